"""Turn any 2D backbone MMAction2 can build into a video backbone."""
import copy
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import BaseModule

from mmlight.models.layers import (CPUConvGrads, DepthwiseTemporalConv,
                                   TemporalShift, TemporalWrapper)
from mmlight.models.utils.block_tracing import (DEFAULT_BLOCK_TYPES,
                                                BlockInfo, find_blocks,
                                                has_shortcut, trace_blocks)
from mmlight.models.utils.activation_checkpoint import set_checkpointing
from mmlight.utils.checks import check_positive_int
from mmlight.models.utils.pretrained import map_state_dict, read_state_dict
from mmlight.registry import MODELS

__all__ = ['TemporalAdapter']

_TEMPORAL_DEFAULTS = {
    'shift': dict(shift_div=8, causal=False, residual_only=True),
    'conv': dict(kernel_size=3, causal=False),
}
_PLACEMENT_DEFAULTS = dict(stages=None, interval=1)
# torchvision: the classifier part that follows the feature trunk
_TV_HEAD_TYPES = (nn.AdaptiveAvgPool2d, nn.AvgPool2d, nn.Linear, nn.Flatten,
                  nn.Dropout)
_TV_HEAD_NAMES = ('avgpool', 'classifier', 'fc', 'head')


def _build_2d(cfg: dict) -> Tuple[nn.Module, str, List[str]]:
    """Build a 2D network the way ``BaseRecognizer`` does, minus its head.

    Returns:
        tuple: The network, its source (``'torchvision'``, ``'timm'`` or
        ``'mm'``) and, for torchvision, the names of the trunk's children.
    """
    cfg = copy.deepcopy(dict(cfg))
    model_type = cfg.pop('type')
    if not isinstance(model_type, str):
        return MODELS.build(dict(type=model_type, **cfg)), 'mm', []
    if model_type.startswith('torchvision.'):
        import torchvision.models
        if cfg.get('weights') is not None or cfg.get('pretrained'):
            raise ValueError(
                f'backbone {model_type}: mmlight never downloads weights; '
                'leave `weights=None` and give the adapter '
                '`pretrained=<local state dict path>`')
        cfg['weights'] = None
        name = model_type[len('torchvision.'):]
        if name not in torchvision.models.__dict__:
            raise ValueError(f'backbone {model_type!r}: torchvision.models '
                             f'has no {name!r}')
        model = torchvision.models.__dict__[name](**cfg)
        trunk = []
        for child_name, child in model.named_children():
            if isinstance(child, _TV_HEAD_TYPES) \
                    or child_name in _TV_HEAD_NAMES:
                break
            trunk.append(child_name)
        for child_name, _ in list(model.named_children()):
            if child_name not in trunk:
                setattr(model, child_name, nn.Identity())
        return model, 'torchvision', trunk
    if model_type.startswith('timm.'):
        import timm
        if cfg.pop('pretrained', False):
            raise ValueError(
                f'backbone {model_type}: mmlight never downloads weights; '
                'give the adapter `pretrained=<local state dict path>`')
        model = timm.create_model(
            model_type[len('timm.'):],
            pretrained=False,
            num_classes=0,
            global_pool='',
            **cfg)
        return model, 'timm', []
    if model_type.startswith(('mmpretrain.', 'mmcls.')):
        pkg = model_type.split('.')[0]
        try:
            __import__(f'{pkg}.models')
        except ImportError as e:
            raise ImportError(
                f'backbone {model_type!r} needs {pkg} installed') from e
    return MODELS.build(dict(type=model_type, **cfg)), 'mm', []


def _tracing() -> bool:
    """Whether the forward is being exported or compiled (graphs then keep
    the plain memory format)."""
    return (torch.compiler.is_compiling() or torch.compiler.is_exporting()
            or torch.jit.is_tracing() or torch.onnx.is_in_onnx_export())


def _parse_temporal_cfg(
        temporal_cfg: Union[dict, Sequence[dict], None]) -> List[dict]:
    if temporal_cfg is None:
        return []
    cfgs = [temporal_cfg] if isinstance(temporal_cfg, dict) \
        else list(temporal_cfg)
    parsed = []
    for i, cfg in enumerate(cfgs):
        if not isinstance(cfg, dict) or 'type' not in cfg:
            raise ValueError(f'temporal_cfg[{i}] must be a dict with a '
                             f'`type` in {sorted(_TEMPORAL_DEFAULTS)}, got '
                             f'{cfg!r}')
        cfg = dict(cfg)
        kind = cfg.pop('type')
        if kind not in _TEMPORAL_DEFAULTS:
            raise ValueError(f'temporal_cfg[{i}]: unknown type {kind!r}; '
                             f'allowed: {sorted(_TEMPORAL_DEFAULTS)}')
        allowed = {**_TEMPORAL_DEFAULTS[kind], **_PLACEMENT_DEFAULTS}
        unknown = set(cfg) - set(allowed)
        if unknown:
            raise ValueError(f'temporal_cfg[{i}] ({kind}): unknown keys '
                             f'{sorted(unknown)}; allowed: {sorted(allowed)}')
        check_positive_int(f'temporal_cfg[{i}].interval',
                           cfg.get('interval', 1))
        parsed.append(dict(type=kind, **{**allowed, **cfg}))
    return parsed


@MODELS.register_module()
class TemporalAdapter(BaseModule):
    """A 2D backbone with temporal shift and/or temporal convs in its blocks.

    Builds any 2D network MMAction2's recognizers can (``torchvision.*``,
    ``timm.*``, ``mmpretrain.*`` or a registered backbone such as MMAction2's
    ``MobileNetV2``), drops its classifier, finds its residual blocks by
    class name and, with one traced forward pass, their stages (one per
    output stride) and the order their convs run in. Then, in the blocks
    that each ``temporal_cfg`` entry selects, it inserts:

    * ``type='shift'``: a :class:`TemporalShift` before the block's first
      conv (TSM's residual shift; zero FLOPs). ``causal=True`` shifts from
      the past only (online TSM, for streaming). ``residual_only=True``
      skips blocks without a shortcut, where the shift would erase part of
      the current frame's features.
    * ``type='conv'``: a :class:`DepthwiseTemporalConv` right after the
      block's first spatial (k > 1) conv, making it a (2+1)D block;
      identity-initialised, so a pretrained 2D network starts unchanged.

    Each entry may set ``stages`` (indices; default all) and ``interval``
    (every n-th block of a stage, from its first; default 1). Entries of
    different types may select the same blocks.

    The input is the ``(N * T, C, H, W)`` frame batch that ``Recognizer2D``
    passes; the output is the network's last feature map,
    ``(N * T, C', H', W')``, for any 2D-input head (TSM/TSN heads, or
    mmlight's ``Conv2Plus1DHead`` and attention heads with ``num_segs``).

    Args:
        backbone: Config of the 2D network, e.g.
            ``dict(type='torchvision.mobilenet_v3_small')`` or
            ``dict(type='timm.efficientnet_lite0')``. Nothing is downloaded:
            torchvision ``weights`` and timm ``pretrained`` are refused.
        num_segments: Frames per clip ``T``. Defaults to 8. Can be changed
            after building (``adapter.num_segments = 16``).
        temporal_cfg: One dict or a list of dicts as above; None gives a
            per-frame 2D backbone that returns feature maps (for the
            temporal heads). Defaults to None.
        block_types: Class names of the blocks to adapt. Defaults to
            :data:`~mmlight.models.utils.block_tracing.DEFAULT_BLOCK_TYPES`.
        pretrained: Local path of a 2D checkpoint of the network
            (torchvision, timm or MMPretrain state dict, possibly under
            ``state_dict``/``model``), loaded in :meth:`init_weights` with
            its names mapped to the adapted ones. Defaults to None.
        with_cp: Checkpoint every block's activations in training (less
            memory, one more forward per block). Defaults to False.
        trace_size: ``(H, W)`` of the traced example. Defaults to
            ``(128, 128)``.
        channels_last: Feed the network channels-last frames (convolutions
            then run in that memory format; weights and state dict stay as
            they are), and in training compute the weight gradient of its
            5x5 and strided depthwise convolutions channels-last and the
            gradients of dense convolutions on maps of 4 positions or fewer
            as GEMMs (:class:`~mmlight.models.layers.CPUConvGrads`): the
            same function, faster on the CPU (on 2 AVX2 cores at 8 x 48 x
            64: a MobileNetV3-Small TSM training step 1.7x, a ResNet-18 TSM
            forward 1.4x and its training step 1.6x, 1.05 -> 0.64 s a batch
            of 8). Export and tracing see the plain network. Defaults to
            False.
        init_cfg: MMEngine init config. Defaults to None.

    Examples:
        >>> adapter = TemporalAdapter(
        ...     dict(type='torchvision.mobilenet_v3_small'),
        ...     num_segments=8,
        ...     temporal_cfg=[dict(type='shift', stages=(1, 2, 3)),
        ...                   dict(type='conv', stages=(3, ))])
        >>> adapter(torch.randn(2 * 8, 3, 64, 64)).shape
        torch.Size([16, 576, 2, 2])
    """

    def __init__(self,
                 backbone: dict,
                 num_segments: int = 8,
                 temporal_cfg: Union[dict, Sequence[dict], None] = None,
                 block_types: Optional[Sequence[str]] = None,
                 pretrained: Optional[str] = None,
                 with_cp: bool = False,
                 trace_size: Tuple[int, int] = (128, 128),
                 channels_last: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(channels_last, bool):
            raise ValueError(
                f'channels_last must be True or False, got {channels_last!r}')
        if not isinstance(backbone, dict) or 'type' not in backbone:
            raise ValueError('`backbone` must be a config dict with a `type`,'
                             f' got {backbone!r}')
        check_positive_int('num_segments', num_segments)
        cfgs = _parse_temporal_cfg(temporal_cfg)
        self.backbone_type = str(backbone['type'])
        self.pretrained = pretrained
        self.model, self._source, self._trunk = _build_2d(backbone)

        raw_names = {
            id(t): n
            for n, t in self.model.state_dict(keep_vars=True).items()
        }
        blocks = find_blocks(self.model,
                             block_types or DEFAULT_BLOCK_TYPES)
        # one traced pass gives the blocks' stages and the output channels
        outputs: List[torch.Tensor] = []

        def features(x: torch.Tensor) -> torch.Tensor:
            outputs.append(self._features(x))
            return outputs[-1]

        self.blocks: List[BlockInfo] = trace_blocks(
            features, self.model, blocks, torch.zeros(2, 3, *trace_size))
        if not self.blocks:
            raise ValueError(
                f'{self.backbone_type}: found no blocks of types '
                f'{tuple(block_types or DEFAULT_BLOCK_TYPES)}; pass the '
                'class names of its residual blocks as `block_types`')
        out = outputs[0]
        self.out_channels = int(out.shape[1])
        self.num_stages = max(b.stage for b in self.blocks) + 1

        self.inserted: Dict[str, List[str]] = defaultdict(list)
        for cfg in cfgs:
            self._insert(cfg, num_segments)
        self._num_segments = num_segments

        # 2D name -> adapted name, by tensor identity (wrapping moves names)
        self._key_map = {
            raw_names[id(t)]: n
            for n, t in self.model.state_dict(keep_vars=True).items()
            if id(t) in raw_names
        }
        self.with_cp = False
        self.set_grad_checkpointing(with_cp)
        self.channels_last = channels_last
        print_log(
            f'TemporalAdapter({self.backbone_type}): {len(self.blocks)} '
            f'blocks in {self.num_stages} stages, out_channels='
            f'{self.out_channels}; ' + ', '.join(
                f'{k} in {len(v)} blocks' for k, v in self.inserted.items()),
            logger='current')

    # ------------------------------------------------------------ building
    def _stage_blocks(self, stages: Optional[Sequence[int]],
                      interval: int) -> List[BlockInfo]:
        if stages is None:
            stages = range(self.num_stages)
        stages = list(stages)
        bad = [s for s in stages if not 0 <= s < self.num_stages]
        if bad:
            raise ValueError(
                f'{self.backbone_type} has {self.num_stages} stages '
                f'(0..{self.num_stages - 1}); got stages {bad}')
        chosen = []
        for stage in stages:
            in_stage = [b for b in self.blocks if b.stage == stage]
            chosen += in_stage[::interval]
        return chosen

    def _wrapper(self, block: nn.Module, conv_name: str) -> TemporalWrapper:
        parent_name, _, attr = conv_name.rpartition('.')
        parent = block.get_submodule(parent_name) if parent_name else block
        module = getattr(parent, attr)
        if isinstance(module, TemporalWrapper):
            return module
        wrapper = TemporalWrapper(module)
        setattr(parent, attr, wrapper)
        return wrapper

    def _insert(self, cfg: dict, num_segments: int) -> None:
        kind = cfg['type']
        # the shift goes before a block's first conv, the temporal conv
        # after its first spatial conv
        slot = 'pre' if kind == 'shift' else 'post'
        for info in self._stage_blocks(cfg['stages'], cfg['interval']):
            if kind == 'shift' and cfg['residual_only'] \
                    and not has_shortcut(info.module):
                continue
            convs = info.convs if kind == 'shift' else info.spatial_convs
            if not convs:
                continue
            wrapper = self._wrapper(info.module, convs[0])
            if not isinstance(getattr(wrapper, slot), nn.Identity):
                raise ValueError(f'two {kind} entries select block '
                                 f'{info.name}')
            if kind == 'shift':
                layer = TemporalShift(num_segments, cfg['shift_div'],
                                      cfg['causal'])
            else:
                layer = DepthwiseTemporalConv(wrapper.module.out_channels,
                                              num_segments,
                                              cfg['kernel_size'],
                                              cfg['causal'])
            setattr(wrapper, slot, layer)
            self.inserted[kind].append(info.name)
        if not self.inserted[kind]:
            raise ValueError(
                f'temporal_cfg {cfg}: no block of {self.backbone_type} '
                f'qualifies (stages 0..{self.num_stages - 1}; blocks per '
                'stage: ' + str([
                    sum(b.stage == s for b in self.blocks)
                    for s in range(self.num_stages)
                ]) + ')')

    # ------------------------------------------------------------ settings
    @property
    def num_segments(self) -> int:
        """Frames per clip ``T`` that the temporal layers assume."""
        return self._num_segments

    @num_segments.setter
    def num_segments(self, value: int) -> None:
        self._num_segments = check_positive_int('num_segments', value)
        for m in self.modules():
            if isinstance(m, (TemporalShift, DepthwiseTemporalConv)):
                m.num_segments = value

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        """Turn activation checkpointing of every block on or off."""
        for info in self.blocks:
            set_checkpointing(info.module, enable)
        self.with_cp = enable

    # ------------------------------------------------------------- weights
    def init_weights(self) -> None:
        """Initialise, then load ``pretrained`` if given.

        MMAction2/MMPretrain backbones run their own ``init_weights``
        (torchvision and timm ones are initialised when built); temporal
        convs are then reset to the identity.
        """
        super().init_weights()
        for m in self.modules():
            if isinstance(m, DepthwiseTemporalConv):
                m.reset_parameters()
        if self.pretrained:
            self.load_pretrained(self.pretrained)

    def load_pretrained(self, path: str) -> None:
        """Load a local 2D (or adapted) checkpoint, mapping its names.

        Args:
            path: Local checkpoint path.

        Raises:
            FileNotFoundError: If ``path`` does not exist.
            ValueError: On a shape mismatch or a checkpoint of which no key
                matches, naming the file and key.
        """
        src = read_state_dict(path)
        own = self.model.state_dict()
        mapped, unexpected = map_state_dict(src, self._key_map, own, path)
        missing = sorted(set(own) - set(mapped))
        self.model.load_state_dict(mapped, strict=False)
        print_log(
            f'TemporalAdapter: loaded {len(mapped)} tensors from {path}; '
            f'{len(missing)} not in the file (new temporal layers: '
            f'{sum(".post." in k or ".pre." in k for k in missing)}), '
            f'{len(unexpected)} of the file unused (e.g. {unexpected[:3]})',
            logger='current')

    # ------------------------------------------------------------- forward
    def _features(self, x: torch.Tensor) -> torch.Tensor:
        if self._source == 'torchvision':
            for name in self._trunk:
                x = getattr(self.model, name)(x)
            return x
        if self._source == 'timm':
            return self.model.forward_features(x)
        out = self.model(x)
        return out[-1] if isinstance(out, (tuple, list)) else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Features of a batch of clips' frames.

        Args:
            x: ``(N * T, C, H, W)`` frames, ``T = num_segments`` consecutive
                frames per clip.

        Returns:
            torch.Tensor: ``(N * T, C', H', W')`` features.
        """
        if x.dim() != 4:
            raise ValueError('TemporalAdapter expects frames of shape '
                             f'(N * T, C, H, W), got {tuple(x.shape)}')
        if x.shape[0] % self._num_segments != 0:
            raise ValueError(
                f'a batch of {x.shape[0]} frames is not (N * T) with '
                f'T=num_segments={self._num_segments}')
        if self.channels_last and not _tracing():
            x = x.contiguous(memory_format=torch.channels_last)
            if self.training and torch.is_grad_enabled():
                with CPUConvGrads():
                    return self._features(x)
        return self._features(x)
