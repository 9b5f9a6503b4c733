"""A classification head with temporal attention inside shifted windows.

Features are pooled over space first and attention only looks at
``window_size`` frames, so the cost grows linearly with the clip length.
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.models.heads.base import BaseHead
from mmengine.model.weight_init import normal_init, trunc_normal_
from torch.utils.checkpoint import checkpoint

from mmlight.utils.checks import (check_dropout_ratio, check_heads,
                                          check_positive_int)
from mmlight.models.utils.video_features import to_video_features
from mmlight.models.utils.weight_init import init_transformer_weights
from mmlight.models.layers.attention import TransformerBlock
from mmlight.registry import MODELS

__all__ = ['WindowTemporalAttentionHead']


@MODELS.register_module()
class WindowTemporalAttentionHead(BaseHead):
    """Classification head with windowed (optionally shifted) temporal
    attention over spatially pooled frame features.

    Each layer splits the ``T`` frames into non-overlapping windows of
    ``window_size`` frames and runs a transformer block inside each window.
    ``T`` is padded to whole windows and the padding is excluded with a key
    padding mask, so outputs of real frames do not depend on it. With
    ``shift=True`` every second layer moves the window borders by
    ``window_size // 2`` (as Swin does) so information crosses windows.
    A learned table of ``window_size`` positions per layer tells each block
    where a frame sits in its window.

    Args:
        num_classes: Number of classes.
        in_channels: Channels ``C`` of the backbone features.
        embed_dims: Token channels. Defaults to 128.
        num_heads: Attention heads; must divide ``embed_dims``.
            Defaults to 4.
        window_size: Frames per attention window. Defaults to 4.
        num_layers: Number of windowed attention layers. Defaults to 2.
        shift: Shift the windows of every second layer by
            ``window_size // 2``. Defaults to True.
        dropout_ratio: Dropout before ``fc_cls``. Defaults to 0.3.
        with_cp: Checkpoint each block during training to save memory.
            Defaults to False.
        fused: Use the fused attention path. Defaults to True.
        init_std: Std of the weight initialization. Defaults to 0.02.
        **kwargs: Passed to :class:`mmaction.models.heads.BaseHead`.

    Note:
        Swin shifts by rolling the sequence and masking the tokens that
        wrapped around. Here the shifted layer instead pads
        ``window_size // 2`` frames in front; the windows are the same and
        the wrapped-around frames never share a window, so the key padding
        mask is the only mask needed.

    Examples:
        >>> head = WindowTemporalAttentionHead(2, in_channels=64,
        ...                                    embed_dims=32)
        >>> head(torch.randn(2 * 13, 64, 7, 7), num_segs=13).shape
        torch.Size([2, 2])
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 embed_dims: int = 128,
                 num_heads: int = 4,
                 window_size: int = 4,
                 num_layers: int = 2,
                 shift: bool = True,
                 dropout_ratio: float = 0.3,
                 with_cp: bool = False,
                 fused: bool = True,
                 init_std: float = 0.02,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        check_heads(embed_dims, num_heads)
        check_positive_int('window_size', window_size)
        check_positive_int('num_layers', num_layers)
        check_dropout_ratio(dropout_ratio)
        self.embed_dims = embed_dims
        self.window_size = window_size
        self.shifts = [
            window_size // 2 if shift and i % 2 == 1 else 0
            for i in range(num_layers)
        ]
        self.with_cp = with_cp
        self.init_std = init_std

        self.proj = nn.Linear(in_channels, embed_dims)
        self.window_pos = nn.Parameter(
            torch.zeros(num_layers, window_size, embed_dims))
        self.blocks = nn.ModuleList(
            TransformerBlock(embed_dims, num_heads, fused=fused)
            for _ in range(num_layers))
        self.norm = nn.LayerNorm(embed_dims)
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio > 0 \
            else nn.Identity()
        self.fc_cls = nn.Linear(embed_dims, num_classes)

    def init_weights(self) -> None:
        """Truncated-normal table and linear layers, as in ViT."""
        trunc_normal_(self.window_pos, std=self.init_std)
        init_transformer_weights(self, self.init_std)
        normal_init(self.fc_cls, std=self.init_std)

    def _windows(self, x: torch.Tensor,
                 shift: int) -> Tuple[torch.Tensor, torch.Tensor, int]:
        """Pad ``(N, T, D)`` to windows: ``(N * nW, w, D)``, its key
        padding mask ``(N * nW, w)`` and the number of windows ``nW``."""
        N, T, D = x.shape
        w = self.window_size
        right = -(T + shift) % w
        x = F.pad(x, (0, 0, shift, right))
        pad = torch.ones(x.shape[1], dtype=torch.bool, device=x.device)
        pad[shift:shift + T] = False
        nw = x.shape[1] // w
        mask = pad.reshape(1, nw, w).expand(N, nw, w).reshape(N * nw, w)
        return x.reshape(N * nw, w, D), mask, nw

    def _layer(self, x: torch.Tensor, idx: int) -> torch.Tensor:
        N, T, D = x.shape
        shift = self.shifts[idx]
        xw, mask, nw = self._windows(x, shift)
        xw = self.blocks[idx](xw + self.window_pos[idx], mask)
        return xw.reshape(N, nw * self.window_size, D)[:, shift:shift + T]

    def forward_features(self,
                         x: torch.Tensor,
                         num_segs: Optional[int] = None) -> torch.Tensor:
        """Per-frame features after the attention layers.

        Args:
            x: ``(N * T, C, H, W)`` features with ``num_segs=T``, or
                ``(N, C, T, H, W)`` features.
            num_segs: Frames per clip ``T`` of 4D input. Defaults to None.

        Returns:
            torch.Tensor: Per-frame features of shape ``(N, T, embed_dims)``.
        """
        x = to_video_features(x, num_segs)
        x = self.proj(x.mean(dim=(3, 4)).transpose(1, 2))  # (N, T, D)
        for idx in range(len(self.blocks)):
            if self.with_cp and self.training:
                x = checkpoint(self._layer, x, idx, use_reentrant=False)
            else:
                x = self._layer(x, idx)
        return x

    def forward(self,
                x: torch.Tensor,
                num_segs: Optional[int] = None,
                **kwargs) -> torch.Tensor:
        """Classify clips.

        Args:
            x: ``(N * T, C, H, W)`` features with ``num_segs=T``, or
                ``(N, C, T, H, W)`` features.
            num_segs: Frames per clip ``T`` of 4D input. Defaults to None.

        Returns:
            torch.Tensor: Class scores of shape ``(N, num_classes)``.
        """
        x = self.norm(self.forward_features(x, num_segs).mean(dim=1))
        return self.fc_cls(self.dropout(x))
