from .hooks import (ChannelPruningHook, DistillScheduleHook, PreciseBNHook,
                    StudentCheckpointHook)
from .optim_wrappers import (AmpOptimWrapper, SparsityOptimWrapper,
                             SparsityOptimWrapperConstructor)
from .runner import PTQLoop, QATEpochBasedLoop

__all__ = [
    'AmpOptimWrapper', 'ChannelPruningHook', 'DistillScheduleHook',
    'PreciseBNHook', 'PTQLoop', 'QATEpochBasedLoop', 'SparsityOptimWrapper',
    'SparsityOptimWrapperConstructor', 'StudentCheckpointHook'
]
