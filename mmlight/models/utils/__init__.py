from .precise_bn import update_bn_stats

__all__ = ['update_bn_stats']
