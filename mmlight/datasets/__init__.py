"""Datasets, transforms and the memory-aware batch sampler. The SynthFall
generator lives in the ``mmlight.datasets.synthfall`` subpackage (imported
on demand)."""
from .checked_video_dataset import CheckedVideoDataset
from .clip_size import dataset_clip_sizes, read_clip_size
from .errors import AnnotationError, VideoReadError
from .samplers import MemoryAwareBatchSampler
from .transforms import CheckedDecordInit

__all__ = [
    'CheckedVideoDataset', 'CheckedDecordInit', 'AnnotationError',
    'MemoryAwareBatchSampler', 'VideoReadError', 'dataset_clip_sizes',
    'read_clip_size'
]
