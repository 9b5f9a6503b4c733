"""Sparsity regularisation between backward and step (Network Slimming)."""
from typing import List, Optional

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd

from mmlight.registry import OPTIM_WRAPPERS

_KINDS = ('bn_l1', 'group_l2')


def _grad_of(p: nn.Parameter) -> torch.Tensor:
    if p.grad is None:
        p.grad = torch.zeros_like(p)
    return p.grad


@torch.no_grad()
def add_bn_l1_grad(norms: List[_BatchNorm], weight: float) -> None:
    """``grad += weight * sign(gamma)`` for every BatchNorm scale: the
    subgradient of ``weight * sum |gamma|`` (Liu et al. 2017)."""
    for bn in norms:
        if bn.weight is not None and bn.weight.requires_grad:
            _grad_of(bn.weight).add_(torch.sign(bn.weight), alpha=weight)


@torch.no_grad()
def add_group_l2_grad(convs: List[_ConvNd],
                      weight: float,
                      eps: float = 1e-8) -> None:
    """``grad += weight * W_c / ||W_c||`` for every output channel ``c`` of
    every conv: the gradient of the group lasso ``weight * sum_c ||W_c||``,
    which drives whole filters to zero."""
    for conv in convs:
        w = conv.weight
        if not w.requires_grad:
            continue
        norms = w.flatten(1).norm(dim=1).clamp_min(eps)  # (C_out, )
        shape = (-1, ) + (1, ) * (w.dim() - 1)
        _grad_of(w).add_(w / norms.view(shape), alpha=weight)


@OPTIM_WRAPPERS.register_module()
class SparsityOptimWrapper(OptimWrapper):
    """An ``OptimWrapper`` that adds a sparsity penalty's gradient before
    every step, so that training leaves channels a pruner can remove.

    ``sparsity=dict(type='bn_l1', weight=1e-4)``: Network Slimming's L1 on
    BatchNorm scales (then prune with ``importance='bn_scale'``);
    ``type='group_l2'``: group lasso over conv output channels (then
    ``'magnitude'``). The penalty is added to ``.grad`` after backward,
    before gradient clipping and the optimizer step; with gradient
    accumulation, once per step.

    It needs the model: build it with
    ``constructor='SparsityOptimWrapperConstructor'``, which calls
    :meth:`bind_model`. It is a plain (fp32) wrapper; mixed precision
    (``AmpOptimWrapper``'s loss scaling) is not combined with it.

    Args:
        sparsity: ``dict(type='bn_l1' | 'group_l2', weight=float >= 0)``;
            None disables it. Defaults to None.
        **kwargs: Passed to :class:`mmengine.optim.OptimWrapper`.

    Examples:
        >>> optim_wrapper = dict(
        ...     type='SparsityOptimWrapper',
        ...     constructor='SparsityOptimWrapperConstructor',
        ...     sparsity=dict(type='bn_l1', weight=1e-4),
        ...     optimizer=dict(type='AdamW', lr=1e-3))
    """

    def __init__(self, sparsity: Optional[dict] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if sparsity is not None:
            if not isinstance(sparsity, dict) or sparsity.get(
                    'type') not in _KINDS:
                raise ValueError(f'`sparsity` must be None or a dict with '
                                 f'`type` in {_KINDS}, got {sparsity!r}')
            unknown = set(sparsity) - {'type', 'weight'}
            if unknown:
                raise ValueError(f'`sparsity`: unknown keys '
                                 f'{sorted(unknown)}; allowed: type, weight')
            weight = sparsity.get('weight', 1e-4)
            if isinstance(weight, bool) or not isinstance(
                    weight, (int, float)) or weight < 0:
                raise ValueError('`sparsity.weight` must be a float >= 0, '
                                 f'got {weight!r}')
            sparsity = dict(type=sparsity['type'], weight=float(weight))
        self.sparsity = sparsity
        self._modules: Optional[List[nn.Module]] = None

    def bind_model(self, model: nn.Module) -> None:
        """Remember the layers the penalty applies to (modules, not
        parameters: pruning replaces parameters, not modules)."""
        kind = _BatchNorm if (self.sparsity or {}).get(
            'type') == 'bn_l1' else _ConvNd
        self._modules = [m for m in model.modules() if isinstance(m, kind)]

    def step(self, **kwargs) -> None:
        """Add the penalty's gradient, then clip and step as usual."""
        if self.sparsity is not None and self.sparsity['weight'] > 0:
            if self._modules is None:
                raise RuntimeError(
                    'SparsityOptimWrapper has no model: build it with '
                    "constructor='SparsityOptimWrapperConstructor' or call "
                    'bind_model(model)')
            if self.sparsity['type'] == 'bn_l1':
                add_bn_l1_grad(self._modules, self.sparsity['weight'])
            else:
                add_group_l2_grad(self._modules, self.sparsity['weight'])
        super().step(**kwargs)
