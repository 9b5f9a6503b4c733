"""The pruned-shape checkpoint format, and its only reader and writer.

A channel-pruned model is smaller than the one its config builds. Its
checkpoint's ``meta[SHAPES_KEY]`` describes the pruned architecture in plain
ints, strings and lists (:func:`pruned_shapes`), so that a checkpoint read
with ``torch.load(weights_only=True)`` can rebuild it:
:func:`reshape_to_checkpoint` reshapes a model freshly built from the
unpruned config before the weights are loaded (in a Runner through
:class:`~mmlight.engine.hooks.ChannelPruningHook`, outside one through
:func:`~mmlight.deployment.build_recognizer`).

The description's optional ``root`` names the submodule it was recorded on
(``'student'`` for a distillation algorithm's pruned student, ``''`` for
the model itself).
"""
import os
from typing import Any, Dict, List, Optional, Union

import torch
import torch.nn as nn

from mmlight.compression.pruning.dependency import resolve_module
from mmlight.utils.checkpoint_io import load_checkpoint_file

__all__ = [
    'PRUNED_SHAPES_FORMAT', 'SHAPES_KEY', 'SHAPE_ATTRS',
    'apply_pruned_shapes', 'checkpoint_shapes', 'pruned_shapes',
    'reshape_to_checkpoint'
]

#: Checkpoint ``meta`` key of the pruned architecture.
SHAPES_KEY = 'mmlight_pruned_shapes'
#: ``format`` and ``version`` of :func:`pruned_shapes`' description.
PRUNED_SHAPES_FORMAT = ('mmlight.pruned_shapes', 1)
#: Channel attributes that pruning changes (recorded by `pruned_shapes`).
SHAPE_ATTRS = ('in_channels', 'out_channels', 'groups', 'num_features',
               'in_features', 'out_features', 'embed_dim', 'kdim', 'vdim',
               'head_dim', 'num_heads', 'channels', 'num_channels',
               'normalized_shape', 'input_size', 'hidden_size',
               'mid_channels')

Checkpoint = Union[str, os.PathLike, Dict[str, Any]]


def pruned_shapes(model: nn.Module) -> Dict[str, Any]:
    """The shapes a pruned model needs, as ints, strings and lists.

    For every module with parameters, persistent buffers or channel
    attributes (``in_channels``, ``out_channels``, ``groups``,
    ``num_features``, ``in_features``, ``channels``...): their shapes and
    values. It is safe in an MMEngine checkpoint's ``meta`` (read with
    ``torch.load(weights_only=True)``); :func:`apply_pruned_shapes` rebuilds
    the architecture from it.

    Args:
        model: A (pruned) model.

    Returns:
        dict: ``format``, ``version`` and ``modules`` (``{name: {'params':
        {attr: shape}, 'buffers': {attr: shape}, 'attrs': {attr: value}}}``).
    """
    modules = {}
    for name, m in model.named_modules():
        entry: Dict[str, Dict[str, Any]] = {}
        params = {k: list(p.shape) for k, p in m._parameters.items()
                  if p is not None}
        buffers = {k: list(b.shape) for k, b in m._buffers.items()
                   if b is not None
                   and k not in m._non_persistent_buffers_set}
        attrs = {}
        for a, v in vars(m).items():
            if a not in SHAPE_ATTRS or isinstance(v, bool):
                continue
            if isinstance(v, int):
                attrs[a] = int(v)
            elif isinstance(v, (tuple, list)) and v and all(
                    type(i) is int for i in v):
                attrs[a] = [int(i) for i in v]
        for key, value in (('params', params), ('buffers', buffers),
                           ('attrs', attrs)):
            if value:
                entry[key] = value
        if entry:
            modules[name] = entry
    return dict(format=PRUNED_SHAPES_FORMAT[0],
                version=PRUNED_SHAPES_FORMAT[1], modules=modules)


def apply_pruned_shapes(model: nn.Module, shapes: Dict[str, Any]) -> List[str]:
    """Reshape a freshly built model to :func:`pruned_shapes`' description.

    Parameters and buffers whose shape differs are replaced by new
    zero-filled ones of the recorded shape (same dtype, device and
    ``requires_grad``) and channel attributes are set, so that
    ``model.load_state_dict(pruned_state_dict, strict=True)`` then works.
    Replaced parameters are new objects: rebind an optimizer that holds the
    old ones (:func:`~mmlight.compression.optimizer.rebind_optimizer`).

    Args:
        model: A model built from the unpruned config.
        shapes: :func:`pruned_shapes` of the pruned model.

    Returns:
        list[str]: Names of the modules that changed.

    Raises:
        ValueError: On another format or version, or a module, parameter
            or buffer the model does not have.
    """
    if not isinstance(shapes, dict) or (
            shapes.get('format'), shapes.get('version')) != \
            PRUNED_SHAPES_FORMAT:
        raise ValueError(
            f'not a pruned-shapes description of format '
            f'{PRUNED_SHAPES_FORMAT}: got format={shapes.get("format")!r}, '
            f'version={shapes.get("version")!r}' if isinstance(shapes, dict)
            else f'pruned shapes must be a dict, got {type(shapes).__name__}')
    changed = []
    for name, entry in shapes['modules'].items():
        m = resolve_module(model, name, 'pruned shapes') if name else model
        touched = False
        for kind, store in (('params', m._parameters),
                            ('buffers', m._buffers)):
            for key, shape in entry.get(kind, {}).items():
                old = store.get(key)
                if old is None:
                    raise ValueError(f'pruned shapes: {name or "<model>"} '
                                     f'has no {kind[:-1]} {key!r}')
                if list(old.shape) == list(shape):
                    continue
                new = torch.zeros(shape, dtype=old.dtype, device=old.device)
                store[key] = nn.Parameter(
                    new, requires_grad=old.requires_grad) \
                    if kind == 'params' else new
                touched = True
        for a, v in entry.get('attrs', {}).items():
            current = getattr(m, a, None)
            value = tuple(v) if isinstance(current, tuple) else v
            if current != value:
                setattr(m, a, value)
                touched = True
        if touched:
            changed.append(name)
    return changed


def checkpoint_shapes(checkpoint: Checkpoint) -> Optional[Dict[str, Any]]:
    """The pruned shapes a checkpoint carries, if any.

    Args:
        checkpoint: A checkpoint file, a loaded checkpoint (its ``meta`` is
            read) or such a ``meta`` dict.

    Returns:
        dict | None: ``meta[SHAPES_KEY]``, None for an unpruned checkpoint.
    """
    if isinstance(checkpoint, (str, os.PathLike)):
        checkpoint = load_checkpoint_file(checkpoint)
    meta = checkpoint if SHAPES_KEY in checkpoint else (
        checkpoint.get('meta') or {})
    return meta.get(SHAPES_KEY) or None


def reshape_to_checkpoint(model: nn.Module,
                          checkpoint: Checkpoint) -> Optional[List[str]]:
    """Reshape a freshly built model to a pruned checkpoint's architecture.

    Call it before the weights are loaded. The shapes are applied to the
    submodule their ``root`` names (``'student'`` of a distillation
    algorithm), or to ``model`` itself.

    Args:
        model: The model built from the (unpruned) config.
        checkpoint: See :func:`checkpoint_shapes`.

    Returns:
        list[str] | None: The modules that changed (see
        :func:`apply_pruned_shapes`), None if the checkpoint is not a
        pruned one (the model is left as it is).

    Raises:
        ValueError: ``model`` has no submodule ``root``, or does not match
            the description (see :func:`apply_pruned_shapes`).
    """
    shapes = checkpoint_shapes(checkpoint)
    if shapes is None:
        return None
    root = shapes.get('root') or ''
    target = resolve_module(model, root, 'pruned shapes root') if root \
        else model
    return apply_pruned_shapes(target, shapes)
