"""Windows of long videos as training examples, optionally read from a
decoded-frame cache."""
import os.path as osp
from typing import Any, List, Optional

from mmlight.datasets.checked_video_dataset import CheckedVideoDataset
from mmlight.datasets.errors import AnnotationError
from mmlight.datasets.frame_cache import cache_file
from mmlight.registry import DATASETS


@DATASETS.register_module()
class VideoWindowDataset(CheckedVideoDataset):
    """Clips that are windows of longer videos.

    Each annotation line is ``<video> <first frame> <last frame> <label>``
    (0-based, both inclusive; ``tools/data/convert_fall_dataset.py le2i``
    writes them), so one video gives many examples. The window reaches the
    pipeline as ``start_index`` and ``window``; with
    :class:`~mmlight.datasets.transforms.CachedFrameInit` in place of
    ``DecordInit``, ``SampleFrames`` then samples inside the window, and
    frames come from the video's cache file when ``frame_cache`` is given.
    Everything else (errors naming file and line, skipping unreadable
    clips) is :class:`CheckedVideoDataset`'s.

    Args:
        ann_file (str): Annotation file path.
        pipeline (list[dict | callable]): Processing pipeline.
        frame_cache (str, optional): Root of the decoded-frame cache: the
            frames of ``<video>`` are read from
            ``<frame_cache>/<video without extension>.npy``
            (:mod:`mmlight.datasets.frame_cache`). Defaults to None (decode
            the video).
        **kwargs: Passed to :class:`CheckedVideoDataset`.
    """

    def __init__(self, ann_file: str, pipeline: List[Any],
                 frame_cache: Optional[str] = None, **kwargs) -> None:
        self.frame_cache = frame_cache
        super().__init__(ann_file, pipeline, **kwargs)

    def _parse_line(self, line: str, lineno: int) -> Optional[dict]:
        fields = line.split()
        if not fields:
            return None
        if len(fields) != 4:
            raise AnnotationError(
                self.ann_file, lineno,
                f'expected "<video> <first frame> <last frame> <label>", got '
                f'{line.strip()!r}')
        try:
            start, end = int(fields[1]), int(fields[2])
        except ValueError:
            raise AnnotationError(
                self.ann_file, lineno, f'frames must be integers, got '
                f'{fields[1]!r} {fields[2]!r}') from None
        if start < 0 or end < start:
            raise AnnotationError(self.ann_file, lineno,
                                  f'bad window {start}..{end}: need 0 <= '
                                  'first <= last')
        info = super()._parse_line(f'{fields[0]} {fields[3]}', lineno)
        info['window'] = (start, end)
        if self.frame_cache is not None:
            info['frame_file'] = cache_file(self.frame_cache, fields[0])
        return info

    def get_data_info(self, idx: int) -> dict:
        """The data info, its ``start_index`` the window's first frame."""
        info = super().get_data_info(idx)
        info['start_index'] = info['window'][0]
        return info

    def load_data_list(self) -> List[dict]:
        """Parse the annotation file; check the cache files exist."""
        data_list = super().load_data_list()
        if self.frame_cache is not None and self.check_files:
            for info in data_list:
                if not osp.isfile(info['frame_file']):
                    raise AnnotationError(
                        self.ann_file, info['lineno'],
                        f'frame cache file not found: {info["frame_file"]} '
                        '(convert with --frame-cache, or set frame_cache='
                        'None to decode the videos)')
        return data_list
