from .attention import MultiheadSelfAttention, TransformerBlock
from .cpu_conv_grads import (CPUConvGrads, depthwise_weight_grad,
                             gemm_conv2d_grads)
from .temporal_conv import DepthwiseTemporalConv
from .temporal_shift import TemporalShift, set_streaming, temporal_shift
from .temporal_wrapper import TemporalWrapper

__all__ = [
    'CPUConvGrads', 'DepthwiseTemporalConv', 'depthwise_weight_grad',
    'gemm_conv2d_grads', 'MultiheadSelfAttention', 'TemporalShift',
    'TemporalWrapper', 'TransformerBlock', 'set_streaming', 'temporal_shift'
]
