from .class_balanced_sampler import ClassBalancedSampler, balanced_indices
from .memory_aware_batch_sampler import MemoryAwareBatchSampler, pack_batches

__all__ = [
    'ClassBalancedSampler', 'MemoryAwareBatchSampler', 'balanced_indices',
    'pack_batches'
]
