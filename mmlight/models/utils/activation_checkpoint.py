"""Activation checkpointing that leaves BatchNorm statistics exact."""
import contextlib
import functools
from typing import Any, Iterator

import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint

__all__ = [
    'frozen_bn_stats', 'checkpoint_bn_safe', 'is_checkpointing',
    'set_checkpointing'
]


@contextlib.contextmanager
def frozen_bn_stats(module: nn.Module) -> Iterator[None]:
    """Restore every BN running statistic of ``module`` on exit.

    Checkpoint recomputation runs the forward a second time in training
    mode; without this, BN running statistics get two momentum updates per
    step and differ from the plain path.
    """
    bns = [m for m in module.modules()
           if isinstance(m, nn.modules.batchnorm._BatchNorm)
           and m.track_running_stats and m.running_mean is not None]
    saved = [[b.clone() for b in (m.running_mean, m.running_var,
                                  m.num_batches_tracked)] for m in bns]
    try:
        yield
    finally:
        with torch.no_grad():
            for m, (mean, var, count) in zip(bns, saved):
                m.running_mean.copy_(mean)
                m.running_var.copy_(var)
                m.num_batches_tracked.copy_(count)


def checkpoint_bn_safe(module: nn.Module, fn: Any, *args: Any,
                       **kwargs: Any) -> Any:
    """``torch.utils.checkpoint`` of ``fn(*args)`` (non-reentrant).

    The recomputation in backward runs under :func:`frozen_bn_stats` of
    ``module``, so losses, gradients and BN buffers equal the plain path's.
    RNG state (dropout, drop-path) is replayed by ``checkpoint`` itself.
    """
    return checkpoint(
        fn,
        *args,
        use_reentrant=False,
        context_fn=lambda: (contextlib.nullcontext(), frozen_bn_stats(module)),
        **kwargs)


def _checkpointed_forward(module: nn.Module, *args: Any, **kwargs: Any) -> Any:
    forward = functools.partial(type(module).forward, module)
    if module.training and torch.is_grad_enabled():
        return checkpoint_bn_safe(module, forward, *args, **kwargs)
    return forward(*args, **kwargs)


def set_checkpointing(module: nn.Module, enable: bool = True) -> None:
    """Turn activation checkpointing of ``module``'s forward on or off.

    The forward is replaced on the instance, not wrapped in a new module, so
    parameter names (and checkpoints saved with or without it) do not change.
    Only training-mode forwards with grad enabled are checkpointed.

    Args:
        module: Any module, typically one residual block.
        enable: Turn it on (True) or off (False). Defaults to True.
    """
    if enable:
        module.forward = functools.partial(_checkpointed_forward, module)
    elif 'forward' in module.__dict__:
        del module.forward


def is_checkpointing(module: nn.Module) -> bool:
    """Whether :func:`set_checkpointing` turned ``module``'s on."""
    fwd = module.__dict__.get('forward')
    return isinstance(fwd, functools.partial) \
        and fwd.func is _checkpointed_forward
