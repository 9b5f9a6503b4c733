from .attention import MultiheadSelfAttention, TransformerBlock
from .depthwise_conv import DepthwiseWeightGrad, depthwise_weight_grad
from .temporal_conv import DepthwiseTemporalConv
from .temporal_shift import TemporalShift, set_streaming, temporal_shift
from .temporal_wrapper import TemporalWrapper

__all__ = [
    'DepthwiseTemporalConv', 'DepthwiseWeightGrad', 'depthwise_weight_grad', 'MultiheadSelfAttention', 'TemporalShift',
    'TemporalWrapper', 'TransformerBlock', 'set_streaming', 'temporal_shift'
]
