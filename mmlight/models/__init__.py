"""mmlight models: a temporal adapter for 2D backbones, light video heads and
their layers, and a cross-format distillation algorithm;
MMAction2's recognizers and backbones are used as they are."""
from .algorithms import VideoDistill
from .backbones import TemporalAdapter
from .connectors import VideoFeatureConnector
from .heads import (AxialAttentionHead, Conv2Plus1DHead,
                    WindowTemporalAttentionHead)
from .layers import (DepthwiseTemporalConv, MultiheadSelfAttention,
                     TemporalShift, TemporalWrapper, TransformerBlock)
from .losses import KDLoss, VideoFeatureLoss
from .utils import update_bn_stats

__all__ = [
    'AxialAttentionHead', 'Conv2Plus1DHead', 'DepthwiseTemporalConv', 'KDLoss',
    'MultiheadSelfAttention', 'TemporalAdapter', 'TemporalShift',
    'TemporalWrapper', 'TransformerBlock', 'WindowTemporalAttentionHead',
    'VideoDistill', 'VideoFeatureConnector', 'VideoFeatureLoss',
    'update_bn_stats'
]
