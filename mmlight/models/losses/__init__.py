from .kd_loss import KDLoss
from .video_feature_loss import VideoFeatureLoss

__all__ = ['KDLoss', 'VideoFeatureLoss']
