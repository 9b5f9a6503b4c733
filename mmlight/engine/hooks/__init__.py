"""Hooks that orchestrate training (each calls a tested module that holds
the math): channel and unstructured pruning steps between fine-tuning
epochs (on a shared :class:`BasePruningHook`), the distillation loss
schedule, precise BatchNorm statistics, random states and the parameter
schedule of resumed runs, a stable ``best.pth`` link, student-only
checkpoints of a distillation run and the dataloader workers' CPU
priority."""
from .base_pruning_hook import BasePruningHook
from .best_checkpoint_link_hook import BestCheckpointLinkHook
from .channel_pruning_hook import ChannelPruningHook
from .distill_schedule_hook import DistillScheduleHook
from .precise_bn_hook import PreciseBNHook
from .random_state_hook import RandomStateHook
from .resume_schedule_hook import ResumeScheduleHook
from .student_checkpoint_hook import StudentCheckpointHook
from .unstructured_pruning_hook import UnstructuredPruningHook
from .worker_priority_hook import WorkerPriorityHook

__all__ = [
    'BasePruningHook', 'BestCheckpointLinkHook', 'ChannelPruningHook',
    'DistillScheduleHook', 'PreciseBNHook', 'RandomStateHook',
    'ResumeScheduleHook', 'StudentCheckpointHook', 'UnstructuredPruningHook',
    'WorkerPriorityHook'
]
