from .memory_aware_batch_sampler import MemoryAwareBatchSampler, pack_batches

__all__ = ['MemoryAwareBatchSampler', 'pack_batches']
