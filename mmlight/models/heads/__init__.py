from .axial_attention_head import AxialAttentionHead
from .conv2plus1d_head import Conv2Plus1DHead
from .window_temporal_attention_head import WindowTemporalAttentionHead

__all__ = [
    'AxialAttentionHead', 'Conv2Plus1DHead', 'WindowTemporalAttentionHead'
]
