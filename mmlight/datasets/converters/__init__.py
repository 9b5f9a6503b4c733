"""Converters from public fall datasets' published layouts to MMAction2
video annotation files (``tools/data/convert_fall_dataset.py``)."""
from .common import (FALL_CLASSES, ClipRecord, split_records,
                     write_annotations, write_video)
from .folders import VIDEO_EXTENSIONS, convert_folders
from .le2i import convert_le2i, read_le2i_annotation
from .urfall import convert_urfall, find_urfall_sequences, read_urfall_labels

__all__ = [
    'FALL_CLASSES', 'VIDEO_EXTENSIONS', 'ClipRecord', 'convert_folders',
    'convert_le2i', 'convert_urfall', 'find_urfall_sequences',
    'read_le2i_annotation', 'read_urfall_labels', 'split_records',
    'write_annotations', 'write_video'
]
