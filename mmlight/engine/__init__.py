from .optim_wrappers import AmpOptimWrapper

__all__ = ['AmpOptimWrapper']
