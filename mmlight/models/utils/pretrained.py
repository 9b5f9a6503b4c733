"""Load a local 2D checkpoint (torchvision, timm, MMPretrain, mmlight) into
an adapted backbone whose parameter names differ from the 2D network's."""
from typing import Dict, List, Mapping, Tuple

import torch

from mmlight.utils.checkpoint_io import load_checkpoint_file

__all__ = ['read_state_dict', 'map_state_dict']

_CONTAINER_KEYS = ('state_dict', 'model', 'module', 'state_dict_ema',
                   'model_ema')
_STRIP_PREFIXES = ('module.', 'backbone.', '_orig_mod.')


def read_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """Read a state dict from a local file, never downloading anything.

    Accepts a bare state dict or one nested under ``state_dict``,
    ``model``, ``module``, ``state_dict_ema`` or ``model_ema`` (MMEngine,
    timm and DeiT-style checkpoints). Loads with ``weights_only=True``.

    Args:
        path: Local file path.

    Returns:
        dict[str, torch.Tensor]: The tensors by name.

    Raises:
        FileNotFoundError: If ``path`` does not exist (URLs are refused).
        ValueError: If the file holds no state dict.
    """
    if '://' in str(path):
        raise FileNotFoundError(
            f'pretrained={path!r}: mmlight loads weights only from a local '
            'file; download it yourself and pass its path')
    obj = load_checkpoint_file(path, what='pretrained checkpoint')
    for key in _CONTAINER_KEYS:
        if isinstance(obj, Mapping) and isinstance(obj.get(key), Mapping):
            obj = obj[key]
            break
    if not isinstance(obj, Mapping) or not obj or not all(
            isinstance(v, torch.Tensor) for v in obj.values()):
        raise ValueError(f'{path}: not a state dict (expected a mapping of '
                         'names to tensors, possibly under "state_dict" or '
                         '"model")')
    return dict(obj)


def map_state_dict(
    src: Mapping[str, torch.Tensor],
    key_map: Mapping[str, str],
    own: Mapping[str, torch.Tensor],
    source: str = 'checkpoint'
) -> Tuple[Dict[str, torch.Tensor], List[str]]:
    """Rename the tensors of a 2D checkpoint to an adapted model's names.

    A key is looked up as it is, then with ``module.``, ``backbone.`` and
    ``_orig_mod.`` stripped one by one; at each step it matches either a 2D
    name in ``key_map`` or one of the model's own names (a checkpoint of the
    adapted model itself).

    Args:
        src: The checkpoint's tensors.
        key_map: 2D network name -> adapted model name.
        own: The adapted model's state dict (for names and shapes).
        source: How to name the checkpoint in errors. Defaults to
            ``'checkpoint'``.

    Returns:
        tuple[dict, list[str]]: The renamed tensors, and the checkpoint keys
        that matched nothing (a classifier, say).

    Raises:
        ValueError: If a matched tensor's shape differs from the model's, or
            if no key matches at all.
    """
    mapped: Dict[str, torch.Tensor] = {}
    unexpected: List[str] = []
    for key, value in src.items():
        target = None
        name = key
        while True:
            if name in key_map:
                target = key_map[name]
            elif name in own:
                target = name
            if target is not None:
                break
            prefix = next((p for p in _STRIP_PREFIXES if name.startswith(p)),
                          None)
            if prefix is None:
                break
            name = name[len(prefix):]
        if target is None:
            unexpected.append(key)
            continue
        if tuple(own[target].shape) != tuple(value.shape):
            raise ValueError(
                f'{source}: {key!r} has shape {tuple(value.shape)} but the '
                f'backbone expects {tuple(own[target].shape)} for {target!r}'
                ' (a checkpoint of another architecture or width?)')
        mapped[target] = value
    if not mapped:
        raise ValueError(
            f'{source}: none of its {len(src)} keys (e.g. '
            f'{list(src)[:3]}) matches the backbone (e.g. {list(key_map)[:3]})'
            '; is it a checkpoint of this architecture?')
    return mapped, unexpected
