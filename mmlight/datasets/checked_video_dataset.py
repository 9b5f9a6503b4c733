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
      file does not end an epoch; when every video has failed (or
      ``MAX_FAILURES_IN_A_ROW`` in a row), it raises, naming the annotation
      file and ``data_prefix``;
    * a line without a label is an error (file and line), and an annotation
      file none of whose videos exists says so, with the ``data_prefix``
      the paths were read under. Evaluation never skips silently: metrics
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

    # Unreadable clips in a row after which training stops.
    MAX_FAILURES_IN_A_ROW = 50

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
        self._failed: set = set()
        self._failures_in_a_row = 0
        self._decode_errors = _decode_errors()
        super().__init__(ann_file, pipeline, **kwargs)

    def _parse_line(self, line: str, lineno: int) -> Optional[dict]:
        fields = line.strip().split(self.delimiter)
        fields = [f for f in fields if f] if self.delimiter == ' ' else fields
        if not fields:
            return None  # blank lines are allowed
        filename, label_fields = fields[0], fields[1:]
        if not label_fields:
            raise AnnotationError(
                self.ann_file, lineno,
                f'no label in {line.strip()!r} (expected "<video> <label>")')
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
        label = labels if self.multi_class else labels[0]
        return dict(filename=filename, label=label, lineno=lineno)

    def load_data_list(self) -> List[dict]:
        """Parse the annotation file, one dict per video."""
        if not exists(self.ann_file):
            raise FileNotFoundError(
                f'annotation file not found: {self.ann_file}')
        data_list, missing = [], []
        for lineno, line in enumerate(list_from_file(self.ann_file), 1):
            info = self._parse_line(line, lineno)
            if info is None:
                continue
            if self.check_files and not exists(info['filename']):
                if not self.skip_unreadable:
                    raise AnnotationError(
                        self.ann_file, lineno,
                        f'video not found: {info["filename"]}'
                        f'{self._prefix_hint()}')
                missing.append((lineno, info['filename']))
                continue
            data_list.append(info)
        if missing and not data_list:
            lineno, first = missing[0]
            raise AnnotationError(
                self.ann_file, None,
                f'none of the {len(missing)} videos it lists exists (line '
                f'{lineno}: {first} not found){self._prefix_hint()}')
        for _, filename in missing:
            self._warn_skip(filename, 'video not found')
        if not data_list:
            raise AnnotationError(self.ann_file, None,
                                  'no videos listed (the file is empty)')
        return data_list

    def _prefix_hint(self) -> str:
        prefix = self.data_prefix.get('video')
        return (f'; the paths are read under data_prefix.video={prefix!r}: '
                'is it the folder the annotation file\'s paths start from?'
                if prefix else '')

    def _warn_skip(self, filename: str, reason: str) -> None:
        self.num_skipped += 1
        warnings.warn(f'Skipping unreadable video {filename}: {reason} '
                      f'({self.num_skipped} skipped so far in this process)')

    def prepare_data(self, idx: int) -> Any:
        """Run the pipeline on one clip; ``None`` asks for another clip.

        Raises:
            VideoReadError: The clip cannot be read and skipping is off, or
                every video of the dataset has failed in this process, or
                ``MAX_FAILURES_IN_A_ROW`` clips in a row have (MMEngine would
                otherwise try 1000 and say "Cannot find valid image").
        """
        try:
            data = super().prepare_data(idx)
        except self._decode_errors as exc:
            filename = self.get_data_info(idx)['filename']
            error = exc if isinstance(exc, VideoReadError) else \
                VideoReadError(filename, f'cannot decode ({first_line(exc)})')
            if not self.skip_unreadable or self.test_mode:
                raise error from exc
            self._warn_skip(filename, error.reason)
            self._failed.add(idx)
            self._failures_in_a_row += 1
            if len(self._failed) == len(self) or \
                    self._failures_in_a_row >= self.MAX_FAILURES_IN_A_ROW:
                raise VideoReadError(
                    filename,
                    f'{error.reason}; and no clip could be read: '
                    f'{self._failures_in_a_row} in a row failed, '
                    f'{len(self._failed)} of the {len(self)} videos of '
                    f'{self.ann_file} in this process (under data_prefix.video='
                    f'{self.data_prefix.get("video")!r}); check that the '
                    'videos are there and decode (e.g. with ffprobe)') \
                    from exc
            # BaseDataset.__getitem__ then serves a random other clip.
            return None
        self._failures_in_a_row = 0
        return data
