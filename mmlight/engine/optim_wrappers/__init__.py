"""Optim wrappers for work between backward and step: mixed precision that
also runs on CPU with the classifier kept in float32, and Network Slimming's
sparsity regularisation (with the constructor that gives it the model)."""
from .amp_optim_wrapper import AmpOptimWrapper
from .sparsity_optim_wrapper import SparsityOptimWrapper
from .sparsity_optim_wrapper_constructor import \
    SparsityOptimWrapperConstructor

__all__ = [
    'AmpOptimWrapper', 'SparsityOptimWrapper',
    'SparsityOptimWrapperConstructor'
]
