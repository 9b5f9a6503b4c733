from .hooks import DistillScheduleHook, PreciseBNHook, StudentCheckpointHook
from .optim_wrappers import AmpOptimWrapper

__all__ = [
    'AmpOptimWrapper', 'DistillScheduleHook', 'PreciseBNHook',
    'StudentCheckpointHook'
]
