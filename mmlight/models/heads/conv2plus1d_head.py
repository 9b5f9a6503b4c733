"""A light classification head with one factorised (2+1)D conv block.

Works on top of both 2D backbones (TSN/TSM style, ``Recognizer2D``) and 3D
backbones (``Recognizer3D``).
"""
from typing import Optional

import torch
import torch.nn as nn
from mmaction.models.common import Conv2plus1d
from mmaction.models.heads.base import BaseHead
from mmengine.model.weight_init import constant_init, normal_init

from mmlight.models.utils.activation_checkpoint import checkpoint_bn_safe
from mmlight.utils.checks import (check_dropout_ratio, check_odd_kernel,
                                          check_positive_int)
from mmlight.models.utils.video_features import to_video_features
from mmlight.registry import MODELS

__all__ = ['Conv2Plus1DHead']


@MODELS.register_module()
class Conv2Plus1DHead(BaseHead):
    """Classification head with a factorised (2+1)D conv block.

    The features go through MMAction2's :class:`Conv2plus1d` (a
    ``1 x k_s x k_s`` spatial conv, BN, ReLU, then a ``k_t x 1 x 1``
    temporal conv) with 'same' padding, then BN3d and ReLU, are averaged
    over ``T, H, W`` and classified by ``fc_cls``. Padding keeps ``T, H, W``,
    so any ``T >= 1`` and ``H, W >= 1`` work.

    Args:
        num_classes: Number of classes.
        in_channels: Channels ``C`` of the backbone features.
        mid_channels: Output channels of the (2+1)D block. Defaults to 256.
        spatial_kernel: Odd spatial kernel size ``k_s``. Defaults to 3.
        temporal_kernel: Odd temporal kernel size ``k_t``. Defaults to 3.
        dropout_ratio: Dropout before ``fc_cls``, in ``[0, 1)``.
            Defaults to 0.3.
        with_cp: Run the conv block under activation checkpointing during
            training to save memory. Defaults to False.
        init_std: Std of the normal initialization of ``fc_cls``.
            Defaults to 0.01.
        **kwargs: Passed to :class:`mmaction.models.heads.BaseHead`
            (``loss_cls``, ``average_clips``, ...).

    Note:
        With ``with_cp=True`` the block's forward is recomputed during
        backward; the recomputation leaves the BN running statistics as it
        found them, so they match ``with_cp=False`` exactly.

    Examples:
        >>> head = Conv2Plus1DHead(2, in_channels=64, mid_channels=32)
        >>> head.init_weights()
        >>> head(torch.randn(2 * 8, 64, 7, 7), num_segs=8).shape
        torch.Size([2, 2])
        >>> head(torch.randn(2, 64, 4, 7, 7)).shape
        torch.Size([2, 2])
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 mid_channels: int = 256,
                 spatial_kernel: int = 3,
                 temporal_kernel: int = 3,
                 dropout_ratio: float = 0.3,
                 with_cp: bool = False,
                 init_std: float = 0.01,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        check_positive_int('in_channels', in_channels)
        check_positive_int('mid_channels', mid_channels)
        check_odd_kernel('spatial_kernel', spatial_kernel)
        check_odd_kernel('temporal_kernel', temporal_kernel)
        check_dropout_ratio(dropout_ratio)
        self.mid_channels = mid_channels
        self.with_cp = with_cp
        self.init_std = init_std

        kernel = (temporal_kernel, spatial_kernel, spatial_kernel)
        # bias is redundant: both convs are followed by a BN
        self.conv = Conv2plus1d(
            in_channels,
            mid_channels,
            kernel_size=kernel,
            padding=tuple(k // 2 for k in kernel),
            bias=False,
            norm_cfg=dict(type='BN3d'))
        self.bn = nn.BatchNorm3d(mid_channels)
        self.relu = nn.ReLU(inplace=True)
        self.avg_pool = nn.AdaptiveAvgPool3d(1)
        self.dropout = nn.Dropout(dropout_ratio) if dropout_ratio > 0 \
            else nn.Identity()
        self.fc_cls = nn.Linear(mid_channels, num_classes)

    def init_weights(self) -> None:
        """Kaiming convs, unit BNs, normal ``fc_cls``."""
        self.conv.init_weights()
        constant_init(self.bn, 1, bias=0)
        normal_init(self.fc_cls, std=self.init_std)

    def _block(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))

    def forward(self,
                x: torch.Tensor,
                num_segs: Optional[int] = None,
                **kwargs) -> torch.Tensor:
        """Classify clips.

        Args:
            x: ``(N * T, C, H, W)`` features with ``num_segs=T``, or
                ``(N, C, T, H, W)`` features.
            num_segs: Frames per clip ``T`` of 4D input; ignored for 5D
                input. Defaults to None.

        Returns:
            torch.Tensor: Class scores of shape ``(N, num_classes)``.

        Raises:
            ValueError: On any other rank, 4D input without ``num_segs``, or
                a batch that ``num_segs`` does not divide.
        """
        x = to_video_features(x, num_segs)  # (N, C, T, H, W)
        if self.with_cp and self.training:
            x = checkpoint_bn_safe(self, self._block, x)
        else:
            x = self._block(x)  # (N, mid_channels, T, H, W)
        x = self.avg_pool(x).flatten(1)  # (N, mid_channels)
        return self.fc_cls(self.dropout(x))
