"""Keep chosen modules in float32 under autocast (mixed precision keeps
the classification layer in full precision)."""
import fnmatch
from typing import Sequence

import torch

__all__ = ['DEFAULT_FP32_MODULES', 'keep_fp32']

_FP32_FLAG = '_mmlight_fp32_forward'
#: The classification layer of MMAction2's heads, in any model.
DEFAULT_FP32_MODULES = ('*cls_head.fc_cls', )


def _float32(value):
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.float()
    return value


def keep_fp32(model: torch.nn.Module,
              patterns: Sequence[str] = DEFAULT_FP32_MODULES,
              strict: bool = True) -> None:
    """Make modules run in float32 under autocast.

    The ``forward`` of every module whose name matches one of ``patterns``
    (``fnmatch``, names of ``model.named_modules()``) is replaced on the
    instance, once, by one that disables autocast and casts floating
    inputs to float32; parameters and the state dict are untouched.

    Args:
        model (nn.Module): The model.
        patterns (Sequence[str]): Module name patterns. Defaults to every
            MMAction2 head's classifier, ``('*cls_head.fc_cls', )``.
        strict (bool): A pattern that matches nothing raises. Defaults to
            True.

    Raises:
        ValueError: With ``strict``, a pattern matched no module.
    """
    named = dict(model.named_modules())
    for pattern in patterns:
        names = fnmatch.filter(named, pattern)
        if not names and strict:
            raise ValueError(
                f'fp32_modules: pattern {pattern!r} matches '
                f'no module of {type(model).__name__}; use () to keep none')
        for name in names:
            module = named[name]
            if getattr(module, _FP32_FLAG, False):
                continue
            forward = module.forward

            def fp32_forward(*args, _forward=forward, **kwargs):
                device = next((a.device.type for a in args
                               if isinstance(a, torch.Tensor)), 'cpu')
                with torch.autocast(device_type=device, enabled=False):
                    return _forward(*map(_float32, args), **{
                        k: _float32(v) for k, v in kwargs.items()})

            module.forward = fp32_forward
            setattr(module, _FP32_FLAG, True)
