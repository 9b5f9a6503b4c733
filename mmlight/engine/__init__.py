from .hooks import (BestCheckpointLinkHook, ChannelPruningHook, DistillScheduleHook, PreciseBNHook,
                    RandomStateHook, ResumeScheduleHook,
                    StudentCheckpointHook)
from .optim_wrappers import (AmpOptimWrapper, SparsityOptimWrapper,
                             SparsityOptimWrapperConstructor)
from .runner import PTQLoop, QATEpochBasedLoop

__all__ = [
    'AmpOptimWrapper', 'BestCheckpointLinkHook', 'ChannelPruningHook', 'DistillScheduleHook',
    'PreciseBNHook', 'PTQLoop', 'QATEpochBasedLoop', 'RandomStateHook',
    'ResumeScheduleHook', 'SparsityOptimWrapper',
    'SparsityOptimWrapperConstructor', 'StudentCheckpointHook'
]
