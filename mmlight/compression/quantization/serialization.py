"""Save and load INT8 models as small ``torch.export`` programs."""
import contextlib
import io
import json
import os
import os.path as osp
import zipfile
from typing import Any, Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn

from mmlight.compression.quantization.exported import (ClipClassifier, ExportedBackbone,
                                at_least_two_clips, batch_dims, export_ctx)

__all__ = [
    'load_quantized', 'save_quantized', 'save_quantized_recognizer',
    'serialized_size'
]

_META_FILE = 'mmlight_meta.json'
# node metadata that only debugging needs; it is ~70% of a saved graph
_DEBUG_META = ('stack_trace', 'from_node', 'nn_module_stack',
               'source_fn_stack', 'torch_fn', 'original_aten')


def serialized_size(obj: Any) -> int:
    """Bytes of ``torch.save(obj)``, e.g. of an FP32 state dict."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.tell()


def save_quantized(model: nn.Module,
                   path: str,
                   example_inputs: Sequence[torch.Tensor],
                   batch_multiple: Optional[int] = None,
                   metadata: Optional[Dict[str, Any]] = None,
                   max_clips: int = 1024,
                   compress: bool = True) -> int:
    """Save a converted model as a ``torch.export`` program (``.pt2``).

    The model (a converted GraphModule, or a module holding one such as
    backbone and FP32 head) is exported again; its int8 weights are stored
    as ``torch.int8`` tensors. Debug metadata of the nodes and the example
    inputs are left out and, with ``compress``, the archive is deflated
    (``torch.export.load`` reads it as it is), so the file is about 4x
    smaller than the FP32 state dict.

    Args:
        model: The module to save.
        path: Output file, usually ``*.pt2``.
        example_inputs: Inputs of one call; the first one's dim 0 is the
            batch.
        batch_multiple: The batch is ``batch_multiple * clips`` with clips
            dynamic (``num_segments`` for a backbone graph, 1 for a graph
            taking clips); None exports the example's shape only.
            Defaults to None.
        metadata: JSON-serialisable facts stored next to the program
            (``mmlight_meta.json``). Defaults to None.
        max_clips: Largest number of clips. Defaults to 1024.
        compress: Deflate the archive. Defaults to True.

    Returns:
        int: The file size in bytes.
    """
    if not example_inputs or not isinstance(example_inputs[0], torch.Tensor):
        raise ValueError('`example_inputs` must be a non-empty sequence of '
                         'tensors')
    inputs = list(example_inputs)
    dims = None
    if batch_multiple is not None:
        if isinstance(batch_multiple, bool) \
                or not isinstance(batch_multiple, int) or batch_multiple < 1:
            raise ValueError('`batch_multiple` must be None or an int >= 1, '
                             f'got {batch_multiple!r}')
        inputs[0] = at_least_two_clips(inputs[0], batch_multiple)
        dims = tuple([{0: batch_dims(batch_multiple, max_clips)}] +
                     [None] * (len(inputs) - 1))
    was_training = model.training
    model.eval()
    try:
        with export_ctx(), torch.no_grad():
            program = torch.export.export(
                model, tuple(inputs), dynamic_shapes=dims)
    finally:
        model.train(was_training)
    for node in program.graph.nodes:
        for key in _DEBUG_META:
            node.meta.pop(key, None)
    with contextlib.suppress(AttributeError, TypeError):
        program.example_inputs = None  # the input tensors: ~0.6 MB
    buffer = io.BytesIO()
    torch.export.save(
        program, buffer,
        extra_files={_META_FILE: json.dumps(metadata or {}, default=str)})
    data = buffer.getvalue()
    if compress:
        data = _deflate(data)
    if osp.dirname(path):
        os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)
    return len(data)


def save_quantized_recognizer(recognizer: nn.Module,
                              path: str,
                              example_inputs: torch.Tensor,
                              metadata: Optional[Dict[str, Any]] = None,
                              max_clips: int = 1024) -> int:
    """Save a recognizer with an int8 backbone as one deployable program.

    Backbone and head become one :class:`ClipClassifier`, ``(N, S, C, H,
    W)`` normalised clips to ``(N, num_classes)`` class scores, saved by
    :func:`save_quantized` with ``N`` dynamic. The metadata records the
    input shape, ``num_segments``, the data preprocessor's ``mean``/``std``
    and the head's ``average_clips``, plus ``metadata``.

    Args:
        recognizer: A ``Recognizer2D`` whose backbone is an
            :class:`ExportedBackbone` of a converted graph.
        path: Output ``.pt2`` file.
        example_inputs: ``(N, S, C, H, W)`` inputs of the recognizer.
        metadata: More facts to store. Defaults to None.
        max_clips: Largest number of clips. Defaults to 1024.

    Returns:
        int: The file size in bytes.
    """
    if not isinstance(recognizer.backbone, ExportedBackbone):
        raise TypeError('`recognizer.backbone` must be an ExportedBackbone, '
                        f'got {type(recognizer.backbone).__name__}')
    preprocessor = getattr(recognizer, 'data_preprocessor', None)

    def stat(name: str) -> list:
        value = getattr(preprocessor, name, None)
        return value.flatten().tolist() if value is not None else []

    meta = dict(
        inputs='(N, S, C, H, W) clips normalised with mean and std',
        outputs='(N, num_classes) class scores before average_clips',
        input_shape=[1] + list(example_inputs.shape[1:]),
        num_segments=recognizer.backbone.num_segments,
        mean=stat('mean'),
        std=stat('std'),
        average_clips=getattr(recognizer.cls_head, 'average_clips', None),
        torch=torch.__version__)
    meta.update(metadata or {})
    classifier = ClipClassifier(recognizer.backbone, recognizer.cls_head)
    was_training = recognizer.training
    try:
        return save_quantized(
            classifier.eval(),
            path, (example_inputs[:1], ),
            batch_multiple=1,
            metadata=meta,
            max_clips=max_clips)
    finally:
        recognizer.train(was_training)


def _deflate(archive: bytes) -> bytes:
    """The same zip archive with its entries deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as src, zipfile.ZipFile(
            out, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    return out.getvalue()


def load_quantized(path: str) -> Tuple[nn.Module, Dict[str, Any]]:
    """Load a file of :func:`save_quantized`.

    Args:
        path: The ``.pt2`` file.

    Returns:
        tuple: The runnable module (``ExportedProgram.module()``) and the
        metadata dict saved with it.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'quantized model not found: {path}')
    extra = {_META_FILE: ''}
    program = torch.export.load(path, extra_files=extra)
    meta = json.loads(extra[_META_FILE] or '{}')
    return program.module(), meta
