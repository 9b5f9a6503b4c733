"""Loops for multi-phase work: post-training INT8 quantization then the
test evaluation (:class:`PTQLoop`), and quantization-aware training then
INT8 conversion (:class:`QATEpochBasedLoop`)."""
from .ptq_loop import PTQLoop
from .qat_epoch_based_loop import QATEpochBasedLoop

__all__ = ['PTQLoop', 'QATEpochBasedLoop']
