from .best_checkpoint_link_hook import BestCheckpointLinkHook
from .channel_pruning_hook import ChannelPruningHook
from .distill_schedule_hook import DistillScheduleHook
from .precise_bn_hook import PreciseBNHook
from .random_state_hook import RandomStateHook
from .resume_schedule_hook import ResumeScheduleHook
from .student_checkpoint_hook import StudentCheckpointHook

__all__ = [
    'BestCheckpointLinkHook', 'ChannelPruningHook', 'DistillScheduleHook', 'PreciseBNHook',
    'RandomStateHook', 'ResumeScheduleHook', 'StudentCheckpointHook'
]
