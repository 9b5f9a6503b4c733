"""mmlight models: light heads and layers (backbones and distillation
algorithms register here as they land); MMAction2's recognizers and
backbones are used as they are."""
from .heads import (AxialAttentionHead, Conv2Plus1DHead,
                    WindowTemporalAttentionHead)
from .layers import MultiheadSelfAttention, TransformerBlock
from .utils import update_bn_stats

__all__ = [
    'AxialAttentionHead', 'Conv2Plus1DHead', 'WindowTemporalAttentionHead',
    'MultiheadSelfAttention', 'TransformerBlock', 'update_bn_stats'
]
