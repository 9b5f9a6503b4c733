"""The training side of mmlight, built from configs: hooks that orchestrate
(:mod:`.hooks`: pruning steps, distillation schedule, precise BN, resumable
random states and schedules, checkpoint links, the data workers' CPU
priority), optim wrappers that act between backward and step
(:mod:`.optim_wrappers`: AMP on CPU too, sparsity regularisation) and loops
for multi-phase work (:mod:`.runner`: PTQ then test, QAT then INT8
conversion). The math they drive lives in :mod:`mmlight.compression` and
:mod:`mmlight.models`."""
from .hooks import (BasePruningHook, BestCheckpointLinkHook,
                    ChannelPruningHook, DistillScheduleHook, PreciseBNHook,
                    RandomStateHook, ResumeScheduleHook, StudentCheckpointHook,
                    UnstructuredPruningHook, WorkerPriorityHook)
from .optim_wrappers import (AmpOptimWrapper, SparsityOptimWrapper,
                             SparsityOptimWrapperConstructor)
from .runner import PTQLoop, QATEpochBasedLoop

__all__ = [
    'AmpOptimWrapper', 'BasePruningHook', 'BestCheckpointLinkHook',
    'ChannelPruningHook', 'DistillScheduleHook', 'PreciseBNHook', 'PTQLoop',
    'QATEpochBasedLoop', 'RandomStateHook', 'ResumeScheduleHook',
    'SparsityOptimWrapper', 'SparsityOptimWrapperConstructor',
    'StudentCheckpointHook', 'UnstructuredPruningHook', 'WorkerPriorityHook'
]
