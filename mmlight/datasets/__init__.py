"""Datasets and transforms. The SynthFall generator lives in the
``mmlight.datasets.synthfall`` subpackage (imported on demand)."""
from .checked_video_dataset import CheckedVideoDataset
from .errors import AnnotationError, VideoReadError
from .transforms import CheckedDecordInit

__all__ = [
    'CheckedVideoDataset', 'CheckedDecordInit', 'AnnotationError',
    'VideoReadError'
]
