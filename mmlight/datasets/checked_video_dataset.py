"""VideoDataset that validates its annotation file and survives bad clips."""
import os.path as osp
import warnings
from typing import Any, List, Optional

from mmaction.datasets import VideoDataset
from mmengine.fileio import exists, list_from_file

from mmlight.datasets.errors import AnnotationError, VideoReadError
from mmlight.datasets.transforms.checked_decord_init import first_line
from mmlight.registry import DATASETS


def _decode_errors() -> tuple:
    """Exception types that mean "this video cannot be decoded"."""
    errors: tuple = (VideoReadError, )
    try:
        from decord._ffi.base import DECORDError
        errors += (DECORDError, )
    except ImportError:  # decord is optional for frame datasets
        pass
    return errors


@DATASETS.register_module()
class CheckedVideoDataset(VideoDataset):
    """MMAction2's ``VideoDataset`` with clear errors for bad input.

    The annotation format is unchanged (``<video> <label>`` per line, or
    ``<video> <label> <label> ...`` with ``multi_class``), but:

    * a line that does not parse, a label that is not an integer or is
      outside ``[0, num_classes)``, and an empty file raise
      :class:`AnnotationError` naming the file and line;
    * with ``check_files``, a video listed but not on disk is reported at
      start-up (file and line), not in the middle of an epoch;
    * a video that cannot be opened or decoded raises
      :class:`VideoReadError` naming it; with ``skip_unreadable`` a training
      dataset instead warns, counts it and serves another clip, so one bad
      file does not end an epoch. Evaluation never skips silently: metrics
      would be computed on fewer clips than the annotation lists.

    Args:
        ann_file (str): Annotation file path.
        pipeline (list[dict | callable]): Processing pipeline.
        skip_unreadable (bool): Skip unreadable or missing videos in training
            with a warning and a count. Defaults to False.
        check_files (bool): Check at start-up that every listed video exists.
            Defaults to True.
        **kwargs: Passed to :class:`mmaction.datasets.VideoDataset`.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Any],
                 skip_unreadable: bool = False,
                 check_files: bool = True,
                 **kwargs) -> None:
        if kwargs.get('multi_class') and kwargs.get('num_classes') is None:
            raise ValueError('CheckedVideoDataset: multi_class=True needs '
                             'num_classes')
        self.skip_unreadable = skip_unreadable
        self.check_files = check_files
        # Per process: each dataloader worker counts its own skips.
        self.num_skipped = 0
        self._decode_errors = _decode_errors()
        super().__init__(ann_file, pipeline, **kwargs)

    def _parse_line(self, line: str, lineno: int) -> Optional[dict]:
        fields = line.strip().split(self.delimiter)
        fields = [f for f in fields if f] if self.delimiter == ' ' else fields
        if not fields:
            return None  # blank lines are allowed
        filename, label_fields = fields[0], fields[1:]
        try:
            labels = [int(x) for x in label_fields]
        except ValueError:
            raise AnnotationError(
                self.ann_file, lineno,
                f'labels must be integers, got {label_fields} in '
                f'{line.strip()!r} (expected "<video> <label>")') from None
        if not self.multi_class and len(labels) > 1:
            raise AnnotationError(
                self.ann_file, lineno,
                f'expected "<video> <label>", got {line.strip()!r} (set '
                'multi_class=True for several labels per video)')
        for label in labels:
            if label < 0 or (self.num_classes is not None
                             and label >= self.num_classes):
                raise AnnotationError(
                    self.ann_file, lineno,
                    f'label {label} is outside [0, {self.num_classes})')
        if self.data_prefix['video'] is not None:
            filename = osp.join(self.data_prefix['video'], filename)
        if self.multi_class:
            label = labels
        else:
            label = labels[0] if labels else -1  # -1: inference, no label
        return dict(filename=filename, label=label, lineno=lineno)

    def load_data_list(self) -> List[dict]:
        """Parse the annotation file, one dict per video."""
        if not exists(self.ann_file):
            raise FileNotFoundError(
                f'annotation file not found: {self.ann_file}')
        data_list = []
        for lineno, line in enumerate(list_from_file(self.ann_file), 1):
            info = self._parse_line(line, lineno)
            if info is None:
                continue
            if self.check_files and not exists(info['filename']):
                if not self.skip_unreadable:
                    raise AnnotationError(
                        self.ann_file, lineno,
                        f'video not found: {info["filename"]}')
                self._warn_skip(info['filename'], 'video not found')
                continue
            data_list.append(info)
        if not data_list:
            raise AnnotationError(self.ann_file, None,
                                  'no videos listed (the file is empty)')
        return data_list

    def _warn_skip(self, filename: str, reason: str) -> None:
        self.num_skipped += 1
        warnings.warn(f'Skipping unreadable video {filename}: {reason} '
                      f'({self.num_skipped} skipped so far in this process)')

    def prepare_data(self, idx: int) -> Any:
        """Run the pipeline on one clip; ``None`` asks for another clip."""
        try:
            return super().prepare_data(idx)
        except self._decode_errors as exc:
            filename = self.get_data_info(idx)['filename']
            error = exc if isinstance(exc, VideoReadError) else \
                VideoReadError(filename, f'cannot decode ({first_line(exc)})')
            if not self.skip_unreadable or self.test_mode:
                raise error from exc
            self._warn_skip(filename, error.reason)
            # BaseDataset.__getitem__ then serves a random other clip.
            return None
