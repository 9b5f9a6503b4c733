"""A 2D conv with temporal modelling around it."""
from typing import Optional

import torch
import torch.nn as nn

__all__ = ['TemporalWrapper']


class TemporalWrapper(nn.Module):
    """Runs ``post(module(pre(x)))``: temporal layers around a 2D conv.

    :class:`~mmlight.models.backbones.TemporalAdapter` puts a
    :class:`TemporalShift` in ``pre`` of a block's first conv and a
    :class:`DepthwiseTemporalConv` in ``post`` of its spatial conv; when both
    land on one conv, one wrapper holds both. Unused slots are
    ``nn.Identity()``.

    Args:
        module: The wrapped 2D layer, ``(N * T, C, H, W)`` in and out.
        pre: Applied before ``module``. Defaults to ``nn.Identity()``.
        post: Applied after ``module``. Defaults to ``nn.Identity()``.
    """

    def __init__(self,
                 module: nn.Module,
                 pre: Optional[nn.Module] = None,
                 post: Optional[nn.Module] = None) -> None:
        super().__init__()
        self.pre = pre if pre is not None else nn.Identity()
        self.module = module
        self.post = post if post is not None else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.post(self.module(self.pre(x)))
