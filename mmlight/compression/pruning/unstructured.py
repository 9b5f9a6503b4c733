"""Unstructured magnitude pruning: zeroed weights, kept zero by masks.

The tensors keep their shapes, so dense kernels run exactly as fast; this
is the baseline that structured :class:`~.pruner.ChannelPruner` is measured
against.
"""
from typing import Dict, Sequence

import torch
import torch.nn as nn
from torch.nn.utils import prune

from mmlight.utils.checks import check_ratio

__all__ = ['apply_masks', 'apply_unstructured_pruning', 'zero_masks']


def apply_unstructured_pruning(
        model: nn.Module,
        amount: float,
        layer_types: Sequence[type] = (nn.Conv2d, nn.Conv3d, nn.Linear)
) -> float:
    """Zero the ``amount`` smallest-magnitude weights of all ``layer_types``
    layers together (global L1, ``torch.nn.utils.prune``), permanently.

    Note:
        The tensors keep their shapes: dense kernels run exactly as fast
        (only sparse kernels or compression gain from the zeros); structured
        :class:`~.pruner.ChannelPruner` is what makes a model faster. The
        weights are new ``Parameter`` objects afterwards (``prune.remove``);
        zeros stay zero during fine-tuning only if masked again
        (:func:`zero_masks`, :func:`apply_masks`).

    Args:
        model: The model, pruned in place.
        amount: Fraction of those weights to zero, in ``[0, 1)``.
        layer_types: Layer types whose ``weight`` is pruned. Defaults to
            ``(nn.Conv2d, nn.Conv3d, nn.Linear)``.

    Returns:
        float: The achieved fraction of zeros in those weights.
    """
    amount = check_ratio('amount', amount)
    targets = [(m, 'weight') for m in model.modules()
               if isinstance(m, tuple(layer_types))
               and isinstance(getattr(m, 'weight', None), nn.Parameter)]
    if not targets:
        raise ValueError(f'no layer of types {tuple(layer_types)} to prune')
    if amount > 0:
        prune.global_unstructured(
            targets, pruning_method=prune.L1Unstructured, amount=amount)
        for m, attr in targets:
            prune.remove(m, attr)
    zeros = sum(int((m.weight == 0).sum()) for m, _ in targets)
    return zeros / sum(m.weight.numel() for m, _ in targets)


def zero_masks(
    model: nn.Module,
    layer_types: Sequence[type] = (nn.Conv2d, nn.Conv3d, nn.Linear)
) -> Dict[str, torch.Tensor]:
    """``{layer name: weight == 0}`` of the layers that have zeros.

    Args:
        model: The model.
        layer_types: Layer types whose ``weight`` is looked at. Defaults to
            ``(nn.Conv2d, nn.Conv3d, nn.Linear)``.

    Returns:
        dict: Boolean masks shaped like each layer's weight.
    """
    return {
        name: m.weight.detach() == 0
        for name, m in model.named_modules()
        if isinstance(m, tuple(layer_types))
        and isinstance(getattr(m, 'weight', None), torch.Tensor)
        and bool((m.weight == 0).any())
    }


@torch.no_grad()
def apply_masks(model: nn.Module, masks: Dict[str, torch.Tensor]) -> None:
    """Zero the masked weights again (after an optimizer step).

    Args:
        model: The model, changed in place.
        masks: :func:`zero_masks` of it.
    """
    for name, mask in masks.items():
        model.get_submodule(name).weight.masked_fill_(mask, 0)
