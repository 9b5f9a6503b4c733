"""Datasets (whole clips, and windows of long videos with a decoded-frame
cache), transforms, the memory-aware and class-balanced samplers. The SynthFall
generator lives in the ``mmlight.datasets.synthfall`` subpackage (imported
on demand)."""
from .checked_video_dataset import CheckedVideoDataset
from .clip_size import dataset_clip_sizes, read_clip_size
from .errors import AnnotationError, VideoReadError
from .samplers import ClassBalancedSampler, MemoryAwareBatchSampler
from .transforms import (CachedFrameDecode, CachedFrameInit,
                         CheckedDecordInit)
from .video_window_dataset import VideoWindowDataset

__all__ = [
    'CheckedVideoDataset', 'CheckedDecordInit', 'AnnotationError',
    'MemoryAwareBatchSampler', 'VideoReadError', 'dataset_clip_sizes',
    'read_clip_size', 'VideoWindowDataset', 'CachedFrameInit',
    'CachedFrameDecode', 'ClassBalancedSampler'
]
