from .precise_bn import update_bn_stats
from .video_features import to_video_features
from .weight_init import init_transformer_weights

__all__ = ['init_transformer_weights', 'to_video_features', 'update_bn_stats']
