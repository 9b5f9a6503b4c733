"""Weight initialisation shared by the transformer-style heads."""
from mmengine.model.weight_init import trunc_normal_
from torch import nn

__all__ = ['init_transformer_weights']


def init_transformer_weights(module: nn.Module, std: float = 0.02) -> None:
    """ViT initialisation: truncated-normal ``Linear`` weights with zero
    bias, unit/zero ``LayerNorm``, for every submodule of ``module``.

    Args:
        module (nn.Module): Module to initialise in place.
        std (float): Standard deviation of the linear weights.
            Defaults to 0.02.
    """
    for m in module.modules():
        if isinstance(m, nn.Linear):
            trunc_normal_(m.weight, std=std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
