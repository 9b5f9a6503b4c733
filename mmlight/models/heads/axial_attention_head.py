"""A light classification head with factorized (axial) space-time attention.

Works on top of both 2D backbones (TSN/TSM style, ``Recognizer2D``) and 3D
backbones (``Recognizer3D``).
"""
from typing import Callable, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.models.heads.base import BaseHead
from mmengine.model.weight_init import normal_init, trunc_normal_
from torch.utils.checkpoint import checkpoint

from mmlight.models.layers.attention import TransformerBlock
from mmlight.utils.checks import (check_dropout_ratio, check_heads,
                                          check_positive_int)
from mmlight.models.utils.video_features import to_video_features
from mmlight.models.utils.weight_init import init_transformer_weights
from mmlight.registry import MODELS

__all__ = ['AxialAttentionHead']


@MODELS.register_module()
class AxialAttentionHead(BaseHead):
    """Classification head with axial (temporal, then spatial) attention.

    Features are projected to ``embed_dims`` by a 1x1 projection, given
    learned temporal and spatial positional encodings, and passed through
    ``num_layers`` layers of temporal attention (a sequence of ``T`` tokens
    per spatial position) followed by spatial attention (``H * W`` tokens
    per frame). The tokens are then averaged over ``T, H, W``, normalized
    and classified.

    Args:
        num_classes: Number of classes.
        in_channels: Channels ``C`` of the backbone features.
        embed_dims: Token channels. Defaults to 128.
        num_heads: Attention heads; must divide ``embed_dims``.
            Defaults to 4.
        num_layers: Number of (temporal, spatial) layer pairs. Defaults to 1.
        max_frames: Entries of the temporal positional table; it is linearly
            interpolated to the actual ``T``, so any ``T`` works.
            Defaults to 32.
        dropout_ratio: Dropout before ``fc_cls``. Defaults to 0.3.
        with_cp: Checkpoint each block during training to save memory.
            Defaults to False.
        fused: Use the fused attention path. Defaults to True.
        init_std: Std of the weight initialization. Defaults to 0.02.
        **kwargs: Passed to :class:`mmaction.models.heads.BaseHead`
            (``loss_cls``, ``average_clips``, ...).

    Examples:
        >>> head = AxialAttentionHead(2, in_channels=64, embed_dims=32)
        >>> head(torch.randn(2 * 8, 64, 7, 7), num_segs=8).shape
        torch.Size([2, 2])
        >>> head(torch.randn(2, 64, 4, 7, 7)).shape
        torch.Size([2, 2])
    """

    #: Side of the learned spatial positional table, bilinearly resized to
    #: ``H x W``; 7 matches a 224 input at stride 32.
    spatial_pos_size: int = 7

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 embed_dims: int = 128,
                 num_heads: int = 4,
                 num_layers: int = 1,
                 max_frames: int = 32,
                 dropout_ratio: float = 0.3,
                 with_cp: bool = False,
                 fused: bool = True,
                 init_std: float = 0.02,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        check_heads(embed_dims, num_heads)
        check_positive_int('num_layers', num_layers)
        check_positive_int('max_frames', max_frames)
        check_dropout_ratio(dropout_ratio)
        self.embed_dims = embed_dims
        self.with_cp = with_cp
        self.init_std = init_std

        self.proj = nn.Linear(in_channels, embed_dims)
        self.temporal_pos = nn.Parameter(torch.zeros(1, embed_dims,
                                                     max_frames))
        s = self.spatial_pos_size
        self.spatial_pos = nn.Parameter(torch.zeros(1, embed_dims, s, s))
        self.temporal_blocks = nn.ModuleList(
            TransformerBlock(embed_dims, num_heads, fused=fused)
            for _ in range(num_layers))
        self.spatial_blocks = nn.ModuleList(
            TransformerBlock(embed_dims, num_heads, fused=fused)
            for _ in range(num_layers))
        self.norm = nn.LayerNorm(embed_dims)
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio > 0 \
            else nn.Identity()
        self.fc_cls = nn.Linear(embed_dims, num_classes)

    def init_weights(self) -> None:
        """Truncated-normal tables and linear layers, as in ViT."""
        trunc_normal_(self.temporal_pos, std=self.init_std)
        trunc_normal_(self.spatial_pos, std=self.init_std)
        init_transformer_weights(self, self.init_std)
        normal_init(self.fc_cls, std=self.init_std)

    def _run(self, block: Callable, x: torch.Tensor) -> torch.Tensor:
        if self.with_cp and self.training:
            return checkpoint(block, x, use_reentrant=False)
        return block(x)

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
        x = to_video_features(x, num_segs)
        N, _, T, H, W = x.shape
        D = self.embed_dims
        x = self.proj(x.permute(0, 2, 3, 4, 1))  # (N, T, H, W, D)
        t_pos = F.interpolate(
            self.temporal_pos, size=T, mode='linear', align_corners=False)
        s_pos = F.interpolate(
            self.spatial_pos,
            size=(H, W),
            mode='bilinear',
            align_corners=False)
        x = x + t_pos.permute(0, 2, 1)[:, :, None, None, :] \
            + s_pos.permute(0, 2, 3, 1)[:, None]

        for t_block, s_block in zip(self.temporal_blocks,
                                    self.spatial_blocks):
            # temporal: one length-T sequence per (clip, position)
            x = x.permute(0, 2, 3, 1, 4).reshape(N * H * W, T, D)
            x = self._run(t_block, x)
            # spatial: one length-(H * W) sequence per frame
            x = x.reshape(N, H, W, T, D).permute(0, 3, 1, 2, 4)
            x = self._run(s_block, x.reshape(N * T, H * W, D))
            x = x.reshape(N, T, H, W, D)

        x = self.norm(x.mean(dim=(1, 2, 3)))
        return self.fc_cls(self.dropout(x))
