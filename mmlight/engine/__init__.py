from .hooks import PreciseBNHook
from .optim_wrappers import AmpOptimWrapper

__all__ = ['AmpOptimWrapper', 'PreciseBNHook']
