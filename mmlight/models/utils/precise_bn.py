"""Precise BatchNorm statistics (Wu & Johnson, "Rethinking 'Batch' in
BatchNorm", 2021; as in fvcore/pycls).

BatchNorm keeps an exponential moving average of batch statistics for
evaluation. When the weights change quickly (training from scratch, short
schedules) or the momentum is small (torchvision's MobileNetV3 uses 0.01),
that average describes old weights and evaluation collapses: the same model
that is accurate with batch statistics predicts one class with its running
statistics. Recomputing the statistics with the final weights over a number
of training batches fixes it.
"""
import itertools
from typing import Callable, Iterable, List

import torch
from mmengine import dist
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

__all__ = ['update_bn_stats']


@torch.no_grad()
def update_bn_stats(model: nn.Module,
                    batches: Iterable,
                    num_iters: int,
                    forward: Callable[[nn.Module, object], object] =
                    lambda m, b: m(b)) -> int:
    """Recompute the running mean/var of every BatchNorm layer of ``model``.

    Each layer's statistics become the average, over ``num_iters`` batches,
    of the batch mean and (unbiased) variance its input had with the current
    weights; under ``torch.distributed`` they are also averaged over ranks.
    Momentum and train/eval modes are restored afterwards.

    Args:
        model (nn.Module): The model; its BatchNorm layers are updated in
            place.
        batches (Iterable): Training batches (at least ``num_iters``).
        num_iters (int): Number of batches to average over, >= 1.
        forward (Callable): ``forward(model, batch)`` runs one batch.
            Defaults to ``model(batch)``.

    Returns:
        int: The number of batches actually used (fewer if ``batches`` ran
        out; 0 if the model has no BatchNorm layer).
    """
    if num_iters < 1:
        raise ValueError(f'num_iters must be >= 1, got {num_iters}')
    bns: List[_BatchNorm] = [
        m for m in model.modules()
        if isinstance(m, _BatchNorm) and m.track_running_stats
    ]
    if not bns:
        return 0
    modes = {m: m.training for m in model.modules()}
    momenta = [bn.momentum for bn in bns]
    means = [torch.zeros_like(bn.running_mean) for bn in bns]
    variances = [torch.zeros_like(bn.running_var) for bn in bns]
    model.train()
    for bn in bns:
        # momentum 1: after each forward, running_* hold that batch's stats.
        bn.momentum = 1.0
    used = 0
    try:
        for batch in itertools.islice(batches, num_iters):
            forward(model, batch)
            used += 1
            for i, bn in enumerate(bns):
                means[i] += (bn.running_mean - means[i]) / used
                variances[i] += (bn.running_var - variances[i]) / used
    finally:
        for bn, momentum in zip(bns, momenta):
            bn.momentum = momentum
        for module, mode in modes.items():
            module.training = mode
    if used == 0:
        return 0
    if dist.get_world_size() > 1:
        for stat in means + variances:
            dist.all_reduce(stat, op='mean')
    for bn, mean, var in zip(bns, means, variances):
        bn.running_mean.copy_(mean)
        bn.running_var.copy_(var)
    return used
