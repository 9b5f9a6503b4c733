"""mmlight models: a temporal adapter for 2D backbones, light video heads and
their layers, a cross-format distillation algorithm, and a recognizer that
runs an exported INT8 program; MMAction2's recognizers and backbones are
used as they are."""
from .algorithms import VideoDistill
from .backbones import TemporalAdapter
from .connectors import VideoFeatureConnector
from .heads import (AxialAttentionHead, Conv2Plus1DHead,
                    WindowTemporalAttentionHead)
from .layers import (DepthwiseTemporalConv, MultiheadSelfAttention,
                     TemporalShift, TemporalWrapper, TransformerBlock)
from .losses import KDLoss, VideoFeatureLoss
from .recognizers import ExportedRecognizer
from .utils import update_bn_stats

__all__ = [
    'AxialAttentionHead', 'Conv2Plus1DHead', 'DepthwiseTemporalConv',
    'ExportedRecognizer', 'KDLoss',
    'MultiheadSelfAttention', 'TemporalAdapter', 'TemporalShift',
    'TemporalWrapper', 'TransformerBlock', 'WindowTemporalAttentionHead',
    'VideoDistill', 'VideoFeatureConnector', 'VideoFeatureLoss',
    'update_bn_stats'
]
