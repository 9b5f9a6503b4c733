"""Build a frozen teacher from a config and a checkpoint, checked up front."""
from typing import Dict

import torch
import torch.nn as nn

from mmlight.utils.checkpoint_io import load_checkpoint_file

__all__ = [
    'load_checkpoint_strict', 'freeze', 'load_teacher_logits',
    'save_teacher_logits'
]


def load_checkpoint_strict(model: nn.Module, path: str,
                           what: str = 'model') -> None:
    """Load ``path`` into ``model``; every key must fit exactly.

    Accepts MMEngine checkpoints (``state_dict`` inside) and bare state
    dicts, ``module.``-prefixed or not; tensors are cast to the model's
    dtypes (an fp16 copy loads into an fp32 model).

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: Naming the file and the missing, unexpected or
            mismatched keys (a checkpoint of another model).
    """
    ckpt = load_checkpoint_file(path, what=f'{what} checkpoint')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not state:
        raise ValueError(f'{path}: not a checkpoint (no state dict)')
    state = {k[7:] if k.startswith('module.') else k: v
             for k, v in state.items()}
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    mismatched = sorted(
        f'{k}: {tuple(state[k].shape)} vs {tuple(own[k].shape)}'
        for k in set(own) & set(state) if state[k].shape != own[k].shape)
    if missing or unexpected or mismatched:

        def few(keys):
            return f'{len(keys)} {keys[:5]}'

        raise ValueError(
            f'{path} does not fit the {what} ({type(model).__name__}): '
            f'missing keys {few(missing)}, unexpected keys '
            f'{few(unexpected)}, shape mismatches {few(mismatched)}')
    model.load_state_dict(state)


def freeze(model: nn.Module) -> nn.Module:
    """Eval mode, no gradients, no in-place activations (so recorded
    features are not overwritten); returns ``model``."""
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    for m in model.modules():
        if hasattr(m, 'inplace') and isinstance(m.inplace, bool):
            m.inplace = False
    return model


def save_teacher_logits(logits: Dict[str, torch.Tensor], path: str,
                        **meta: str) -> None:
    """Write ``{filename: (K,) logits}`` and provenance (``meta``)."""
    torch.save(dict(logits=dict(logits), meta=dict(meta)), path)


def load_teacher_logits(path: str) -> Dict[str, torch.Tensor]:
    """Read :func:`save_teacher_logits`' file.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If it is not such a file.
    """
    obj = load_checkpoint_file(path, what='teacher logits file')
    logits = obj.get('logits') if isinstance(obj, dict) else None
    if not isinstance(logits, dict) or not logits:
        raise ValueError(f'{path}: no teacher logits in the file')
    return logits
