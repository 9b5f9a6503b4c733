"""Builds optim wrappers that need the model (SparsityOptimWrapper)."""
import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper

from mmlight.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SparsityOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """MMEngine's default constructor, then ``wrapper.bind_model(model)``
    for wrappers that have it (:class:`SparsityOptimWrapper`)."""

    def __call__(self, model: nn.Module) -> OptimWrapper:
        wrapper = super().__call__(model)
        if hasattr(wrapper, 'bind_model'):
            wrapper.bind_model(
                model.module if is_model_wrapper(model) else model)
        return wrapper
