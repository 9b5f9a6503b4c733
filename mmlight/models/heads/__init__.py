from .axial_attention_head import AxialAttentionHead
from .window_temporal_attention_head import WindowTemporalAttentionHead

__all__ = ['AxialAttentionHead', 'WindowTemporalAttentionHead']
