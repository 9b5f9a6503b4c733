"""Export a recognizer to ONNX: preprocessed clips in, class logits out.

The exported graph is exactly ``model(inputs, mode='tensor',
stage='head')`` (:class:`~mmlight.measure.complexity.TensorForward`): no data
preprocessor (normalisation stays on the caller's side, as with a PyTorch
``mode='tensor'`` call) and no post-processing. Its output is the head's raw
output, **logits**, not probabilities:

* Recognizer2D + ``TSNHead``: the segment features are averaged by the
  head's consensus *before* its ``fc``, so the output is one logit vector a
  clip, ``(N, num_classes)``.
* Recognizer3D: one logit vector a view, ``(N * num_views, num_classes)``.

Logits are exported because they are what PyTorch's ``mode='tensor'``
computes, so the two can be compared number for number, and because the
test-time ``average_clip`` (``'prob'``: softmax, then the mean over views)
needs the number of views of a batch; :mod:`.ort_inference` applies the
head's own ``average_clip`` to the ONNX output, as ``model.predict`` does.

The exporter is torch's ``torch.export``-based one (``dynamo=True``, needs
``onnxscript``), the default since torch 2.9; the TorchScript exporter is
deprecated and kept as ``exporter='torchscript'`` for models
``torch.export`` cannot trace. The dynamo exporter implements opset >= 18
only (asking for 17 makes it try a version conversion that fails on the
Reduce ops of this code base), hence ``opset=18``.
"""
import os
import os.path as osp
from typing import Sequence, Tuple

import torch
from torch import nn

from mmlight.measure.complexity import TensorForward

__all__ = ['export_onnx', 'INPUT_NAME', 'OUTPUT_NAME', 'expected_input_rank']

INPUT_NAME = 'inputs'
OUTPUT_NAME = 'scores'
_EXPORTERS = ('dynamo', 'torchscript')
# The dynamo exporter has no implementations below opset 18.
_MIN_DYNAMO_OPSET = 18


def expected_input_rank(model: nn.Module) -> int:
    """The rank of a recognizer's preprocessed input.

    Args:
        model (nn.Module): A recognizer.

    Returns:
        int: 5 for a ``Recognizer2D`` ``(N, num_segs, C, H, W)``, 6 for a
        ``Recognizer3D`` ``(N, num_views, C, T, H, W)``, 0 when unknown
        (any other module; the shape is not checked).
    """
    from mmaction.models.recognizers import Recognizer2D, Recognizer3D
    if isinstance(model, Recognizer2D):
        return 5
    if isinstance(model, Recognizer3D):
        return 6
    return 0


def _check_shape(model: nn.Module, input_shape: Sequence[int]) -> Tuple[
        int, ...]:
    shape = tuple(input_shape)
    if not shape or not all(isinstance(s, int) and s > 0 for s in shape):
        raise ValueError(f'input_shape must be positive ints, got '
                         f'{input_shape!r}')
    rank = expected_input_rank(model)
    if rank and len(shape) != rank:
        layout = ('(N, num_segs, C, H, W)' if rank == 5 else
                  '(N, num_views, C, T, H, W)')
        raise ValueError(f'input_shape {shape}: a {type(model).__name__} '
                         f'takes {layout}')
    return shape


def _strip_metadata(path: str) -> None:
    """Drop the exporter's per-node metadata and doc strings.

    The dynamo exporter stores each node's Python stack trace, module path
    and FX node (``metadata_props``): ~10% of the file, with local paths
    that a deployed model should not carry. Nothing at run time reads them.
    """
    import onnx
    proto = onnx.load(path)
    for node in proto.graph.node:
        del node.metadata_props[:]
        node.doc_string = ''
    proto.graph.doc_string = ''
    onnx.save(proto, path)


def export_onnx(model: nn.Module,
                input_shape: Sequence[int],
                path: str,
                opset: int = _MIN_DYNAMO_OPSET,
                dynamic_batch: bool = True,
                dynamic_views: bool = False,
                exporter: str = 'dynamo',
                strip_metadata: bool = True) -> str:
    """Export a recognizer's class logits to a self-contained ONNX file.

    The model runs in eval mode (restored afterwards) on a random input of
    ``input_shape``; the graph has one input ``'inputs'`` and one output
    ``'scores'`` (see the module doc for what the logits are). The file
    holds its weights (no external ``.data`` file) and passes
    ``onnx.checker.check_model(full_check=True)``.

    Args:
        model (nn.Module): A recognizer (Recognizer2D / Recognizer3D) or any
            MMEngine model or module; called through
            :class:`~mmlight.measure.complexity.TensorForward`.
        input_shape (Sequence[int]): A preprocessed input shape, e.g.
            ``(1, 8, 3, 48, 64)`` = ``(N, num_segs, C, H, W)`` for a 2D
            recognizer or ``(1, 1, 3, 16, 48, 64)`` =
            ``(N, num_views, C, T, H, W)`` for a 3D one
            (:func:`~mmlight.measure.complexity.infer_input_shape`).
        path (str): The ``.onnx`` file to write; folders are created.
        opset (int): ONNX opset. Defaults to 18 (the dynamo exporter's
            lowest; the TorchScript one accepts 17).
        dynamic_batch (bool): Make the batch (number of clips) a dynamic
            dimension; otherwise it is ``input_shape[0]``. With a dynamic
            batch the model is traced at batch ``max(2, N)``, since
            ``torch.export`` specialises a size of 1. Defaults to True.
        dynamic_views (bool): Make dim 1 dynamic too: the views of a
            Recognizer3D (multi-clip testing), traced at
            ``max(2, input_shape[1])``. Not for a TSM Recognizer2D, whose
            dim 1 must stay a multiple of its ``num_segments``. Defaults to
            False.
        exporter (str): ``'dynamo'`` (``torch.onnx.export(dynamo=True)``)
            or ``'torchscript'`` (deprecated). Defaults to ``'dynamo'``.
        strip_metadata (bool): Drop per-node stack traces and doc strings.
            Defaults to True.

    Returns:
        str: ``path``.

    Raises:
        ValueError: A bad ``input_shape``, ``exporter`` or ``opset``.
        onnx.checker.ValidationError: The exported graph is not valid ONNX.

    Examples:
        >>> export_onnx(recognizer, (1, 8, 3, 48, 64), 'student.onnx')
        'student.onnx'
    """
    import onnx
    if exporter not in _EXPORTERS:
        raise ValueError(f'exporter must be one of {_EXPORTERS}, got '
                         f'{exporter!r}')
    if exporter == 'dynamo' and opset < _MIN_DYNAMO_OPSET:
        raise ValueError(f'opset={opset}: the dynamo exporter needs opset >= '
                         f"{_MIN_DYNAMO_OPSET}; use exporter='torchscript' "
                         'for an older one')
    shape = _check_shape(model, input_shape)
    if dynamic_views and len(shape) < 2:
        raise ValueError(f'dynamic_views needs an input_shape with a dim 1, '
                         f'got {shape}')
    if dynamic_batch:
        shape = (max(2, shape[0]), ) + shape[1:]
    if dynamic_views:
        shape = (shape[0], max(2, shape[1])) + shape[2:]
    params = list(model.parameters())
    device = params[0].device if params else torch.device('cpu')
    inputs = torch.randn(shape, device=device)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    was_training = model.training
    forward = TensorForward(model).eval()
    kwargs = dict(
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        opset_version=opset,
        verbose=False)
    try:
        dims = {}
        if dynamic_batch:
            dims[0] = 'batch'
        if dynamic_views:
            dims[1] = 'views'
        if exporter == 'dynamo':
            if dims:
                kwargs['dynamic_shapes'] = {INPUT_NAME: {
                    i: torch.export.Dim(name) for i, name in dims.items()}}
            torch.onnx.export(forward, (inputs, ), path, dynamo=True,
                              external_data=False, **kwargs)
        else:
            if dims:
                # The 3D output's first dim is batch * num_views; named
                # apart so that nothing equates it with the input's.
                kwargs['dynamic_axes'] = {INPUT_NAME: dims,
                                          OUTPUT_NAME: {0: 'clips'}}
            torch.onnx.export(forward, (inputs, ), path, dynamo=False,
                              **kwargs)
    finally:
        model.train(was_training)
    if strip_metadata:
        _strip_metadata(path)
    onnx.checker.check_model(path, full_check=True)
    return path
