from .ptq_loop import PTQLoop
from .qat_epoch_based_loop import QATEpochBasedLoop

__all__ = ['PTQLoop', 'QATEpochBasedLoop']
