from .precise_bn import update_bn_stats
from .video_features import to_video_features

__all__ = ['to_video_features', 'update_bn_stats']
