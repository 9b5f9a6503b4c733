"""A recognizer's backbone exported with ``torch.export``, and the module
that puts the exported graph back in its place.

TSM and the batch: :class:`~mmlight.models.layers.TemporalShift` reshapes
``(N * T, C, H, W)`` to ``(N, T, ...)``, so the exported batch must stay a
multiple of ``T``. :func:`export_backbone` declares it as the derived
dimension ``T * Dim('clips')``. The example must hold at least two clips
(export specialises a dimension seen as 1); single clips are then kept
general by export's ``backed_size_oblivious`` option when this torch has it,
otherwise :class:`ExportedBackbone` pads a single clip to two.
"""
import contextlib
import importlib
from typing import Any, ContextManager

import torch
import torch.nn as nn
from torch.fx import GraphModule

from mmlight.compression.quantization.qat_batchnorm import restore_bn_literals

__all__ = [
    'ClipClassifier', 'ExportedBackbone', 'at_least_two_clips', 'batch_dims',
    'check_recognizer', 'export_backbone', 'export_ctx', 'single_clip_ok'
]


def _fx_config() -> Any:
    try:
        return importlib.import_module('torch.fx.experimental._config')
    except ImportError:
        return None


def single_clip_ok() -> bool:
    """Whether export can keep a dimension general down to size 1."""
    return hasattr(_fx_config(), 'backed_size_oblivious')


def export_ctx() -> ContextManager:
    """Export without 0/1 specialisation of the batch, where possible."""
    if single_clip_ok():
        return _fx_config().patch(backed_size_oblivious=True)
    return contextlib.nullcontext()


def batch_dims(multiple: int, max_clips: int) -> Any:
    """The dynamic batch dimension ``multiple * clips``."""
    clips = torch.export.Dim(
        'clips', min=1 if single_clip_ok() else 2, max=max_clips)
    return clips if multiple == 1 else multiple * clips


def at_least_two_clips(x: torch.Tensor, multiple: int) -> torch.Tensor:
    """An example with at least two clips: export specialises size 1."""
    if x.shape[0] >= 2 * multiple:
        return x
    return torch.cat([x[:multiple]] * 2)


class ExportedBackbone(nn.Module):
    """An exported (prepared, QAT or converted) backbone graph in place of a
    recognizer's backbone.

    ``Recognizer2D`` calls it with ``(N * T, C, H, W)`` frames exactly as
    the original backbone. ``train(mode)`` rewrites the graph's BatchNorm and
    dropout ops between their train and eval forms (torchao's
    ``move_exported_model_to_train/eval``): an exported graph ignores the
    usual ``training`` flag. Only ``trainable`` graphs (exported in train
    mode, for QAT) are rewritten; an inference graph keeps its eval ops.

    Args:
        graph_module: The exported graph.
        num_segments: Frames per clip ``T``.
        trainable: Whether the graph was exported in train mode (QAT).
            Defaults to False.
    """

    def __init__(self,
                 graph_module: GraphModule,
                 num_segments: int,
                 trainable: bool = False) -> None:
        super().__init__()
        if not isinstance(graph_module, GraphModule):
            raise TypeError('`graph_module` must be a torch.fx.GraphModule, '
                            f'got {type(graph_module).__name__}')
        self.graph_module = graph_module
        self.num_segments = num_segments
        self.trainable = trainable
        self.min_clips = 1 if single_clip_ok() else 2

    def train(self, mode: bool = True) -> 'ExportedBackbone':
        """Set the mode, rewriting a trainable graph's BN/dropout ops."""
        self.training = mode
        if self.trainable:
            from torchao.quantization.pt2e import (
                move_exported_model_to_eval, move_exported_model_to_train)
            move = (move_exported_model_to_train
                    if mode else move_exported_model_to_eval)
            move(self.graph_module)
            # the rewrite puts torch's default momentum and eps back
            restore_bn_literals(self.graph_module)
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Features of ``(N * T, C, H, W)`` frames.

        Returns:
            torch.Tensor: ``(N * T, C', H', W')`` features.
        """
        frames = x.shape[0]
        short = frames < self.min_clips * self.num_segments
        if short:
            x = at_least_two_clips(x, self.num_segments)
        out = self.graph_module(x)
        return out[:frames] if short else out


class ClipClassifier(nn.Module):
    """Backbone and head as one call: ``Recognizer2D``'s ``mode='tensor',
    stage='head'`` without neck, the deployable form of a recognizer.

    Args:
        backbone: Maps ``(N * S, C, H, W)`` frames to features.
        cls_head: An MMAction2 2D head taking ``(x, num_segs)``.
    """

    def __init__(self, backbone: nn.Module, cls_head: nn.Module) -> None:
        super().__init__()
        self.backbone = backbone
        self.cls_head = cls_head

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Class scores (before ``average_clips``) of ``(N, S, C, H, W)``
        normalised clips; returns ``(N, num_classes)``."""
        num_segs = inputs.shape[1]
        feats = self.backbone(inputs.reshape((-1, ) + inputs.shape[2:]))
        return self.cls_head(feats, num_segs=num_segs)


def check_recognizer(recognizer: nn.Module) -> int:
    """Check that :func:`export_backbone` can export a recognizer.

    Returns:
        int: The backbone's ``num_segments`` (1 if it has none).

    Raises:
        TypeError: Not a ``Recognizer2D``.
        ValueError: A torchvision/timm backbone that ``Recognizer2D`` pools
            itself, or a neck.
    """
    from mmaction.models import Recognizer2D
    if not isinstance(recognizer, Recognizer2D):
        raise TypeError('`recognizer` must be an MMAction2 Recognizer2D, got '
                        f'{type(recognizer).__name__}')
    if getattr(recognizer, 'backbone_from', None) in ('torchvision', 'timm'):
        raise ValueError(
            f'`recognizer`: a backbone built as {recognizer.backbone_from}.* '
            'is called through `.features`/`.forward_features` and pooled by '
            'Recognizer2D; wrap it in mmlight\'s TemporalAdapter to export it')
    if getattr(recognizer, 'with_neck', False):
        raise ValueError('`recognizer`: recognizers with a neck are not '
                         'supported')
    return int(getattr(recognizer.backbone, 'num_segments', 1))


def export_backbone(recognizer: nn.Module,
                    example_inputs: torch.Tensor,
                    with_head: bool = False,
                    max_clips: int = 1024) -> GraphModule:
    """Export a Recognizer2D's backbone (or backbone and head) with a
    dynamic number of clips.

    The recognizer's mode (train for QAT, eval for PTQ) is what is traced.

    Args:
        recognizer: An MMAction2 ``Recognizer2D`` whose backbone is called
            as ``backbone(frames)`` (mmlight's ``TemporalAdapter``, an
            MMAction2 backbone), without a neck.
        example_inputs: One batch as the recognizer gets it after its data
            preprocessor, ``(N, S, C, H, W)`` with ``S`` a multiple of the
            backbone's ``num_segments``. Fewer than two clips are repeated.
        with_head: Export backbone and ``cls_head`` together. Defaults to
            False.
        max_clips: Largest number of clips the graph accepts. Defaults to
            1024.

    Returns:
        GraphModule: Without head, ``(N * S, C, H, W) -> (N * S, C', H',
        W')`` with ``N * S`` any multiple of ``num_segments``; with head,
        ``(N, S, C, H, W) -> (N, num_classes)`` class scores (before
        ``average_clips``).

    Raises:
        TypeError: ``recognizer`` is not a Recognizer2D.
        ValueError: ``example_inputs`` is not 5-D with ``S`` a multiple of
            ``num_segments``, or the backbone cannot be exported plainly.
    """
    num_segments = check_recognizer(recognizer)
    if not isinstance(example_inputs, torch.Tensor) \
            or example_inputs.dim() != 5:
        got = getattr(example_inputs, 'shape', example_inputs)
        raise ValueError('`example_inputs` must be a (N, S, C, H, W) tensor, '
                         f'got {got}')
    if example_inputs.shape[1] % num_segments:
        raise ValueError(
            f'`example_inputs`: S={example_inputs.shape[1]} is not a '
            f'multiple of the backbone\'s num_segments={num_segments}')
    if isinstance(max_clips, bool) or not isinstance(max_clips, int) \
            or max_clips < 2:
        raise ValueError(f'`max_clips` must be an int >= 2, got {max_clips!r}')
    if with_head:
        module: nn.Module = ClipClassifier(recognizer.backbone,
                                           recognizer.cls_head)
        x, multiple = at_least_two_clips(example_inputs, 1), 1
    else:
        module = recognizer.backbone
        x = example_inputs.reshape((-1, ) + example_inputs.shape[2:])
        x, multiple = at_least_two_clips(x, num_segments), num_segments
    dims = ({0: batch_dims(multiple, max_clips)}, )
    with export_ctx():
        program = torch.export.export(module, (x, ), dynamic_shapes=dims)
    return program.module()
