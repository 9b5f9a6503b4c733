from .channel_pruning_hook import ChannelPruningHook
from .distill_schedule_hook import DistillScheduleHook
from .precise_bn_hook import PreciseBNHook
from .student_checkpoint_hook import StudentCheckpointHook

__all__ = [
    'ChannelPruningHook', 'DistillScheduleHook', 'PreciseBNHook',
    'StudentCheckpointHook'
]
