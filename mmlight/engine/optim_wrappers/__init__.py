from .amp_optim_wrapper import AmpOptimWrapper
from .sparsity_optim_wrapper import SparsityOptimWrapper
from .sparsity_optim_wrapper_constructor import \
    SparsityOptimWrapperConstructor

__all__ = [
    'AmpOptimWrapper', 'SparsityOptimWrapper',
    'SparsityOptimWrapperConstructor'
]
