from .precise_bn_hook import PreciseBNHook

__all__ = ['PreciseBNHook']
