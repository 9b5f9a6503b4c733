"""Project 2D/TSM student features onto a 3D teacher's channels."""
from typing import Dict, Optional

import torch
import torch.nn as nn
from mmrazor.models.architectures.connectors.base_connector import \
    BaseConnector

from mmlight.utils.checks import check_positive_int
from mmlight.models.utils.video_features import to_video_features
from mmlight.registry import MODELS

__all__ = ['VideoFeatureConnector']


@MODELS.register_module()
class VideoFeatureConnector(BaseConnector):
    """FitNets-style projection of student video features to the teacher's.

    Brings 2D-backbone features ``(N * T, C_s, H, W)`` (with
    ``num_segs=T``) or 3D ones ``(N, C_s, T, H, W)`` to the
    ``(N, C_t, T, H, W)`` layout of a 3D teacher with a ``1 x 1 x 1``
    convolution (no bias) and a BatchNorm3d. Time and space are left alone;
    :class:`~mmlight.models.losses.VideoFeatureLoss` pools both sides to a
    common grid.

    Args:
        in_channels: Student channels ``C_s``.
        out_channels: Teacher channels ``C_t``.
        num_segs: Frames per clip ``T`` of 4D student features; not needed
            for 5D input. Defaults to None.
        init_cfg: Initialisation config of the module. Defaults to None.

    Examples:
        >>> connector = VideoFeatureConnector(16, 32, num_segs=8)
        >>> connector(torch.randn(2 * 8, 16, 7, 7)).shape
        torch.Size([2, 32, 8, 7, 7])
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 num_segs: Optional[int] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = check_positive_int('in_channels', in_channels)
        self.out_channels = check_positive_int('out_channels', out_channels)
        self.num_segs = None if num_segs is None else check_positive_int(
            'num_segs', num_segs)
        self.conv = nn.Conv3d(in_channels, out_channels, 1, bias=False)
        self.bn = nn.BatchNorm3d(out_channels)

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        """Project the student features.

        Args:
            feature: ``(N * T, C_s, H, W)`` features (needs ``num_segs=T``)
                or ``(N, C_s, T, H, W)``.

        Returns:
            torch.Tensor: Features of shape ``(N, C_t, T, H, W)``.

        Raises:
            ValueError: On 4D input without ``num_segs``, a batch that
                ``num_segs`` does not divide, any other rank, or a channel
                count other than ``in_channels``.
        """
        x = to_video_features(feature, self.num_segs)
        if x.shape[1] != self.in_channels:
            raise ValueError(f'expected {self.in_channels} input channels '
                             f'(in_channels), got features of shape '
                             f'{tuple(feature.shape)}')
        return self.bn(self.conv(x))
