"""Frames from a video file, a folder of images or a camera, one at a time
(nothing is held but the current frame)."""
import contextlib
import os
import os.path as osp
from typing import Iterator, Tuple, Union

import numpy as np

from mmlight.datasets.errors import VideoReadError

__all__ = ['open_frames']

_IMAGE_EXTS = ('.png', '.jpg', '.jpeg', '.bmp')


def open_frames(source: Union[str, int], fps: float = 0.0
                ) -> Tuple[Iterator[Tuple[float, np.ndarray]], float]:
    """Open a stream of BGR frames with their times in seconds.

    Args:
        source (str | int): A video file, a folder of images (read in name
            order), or a camera index (``0``, or the string ``'0'``).
        fps (float): Frame rate of a folder of images, or of a video whose
            header gives none. Defaults to 0 (a folder: 25; a video: its
            own).

    Returns:
        tuple: An iterator of ``(time_s, frame)`` and the frame rate.

    Raises:
        FileNotFoundError: A path that does not exist.
        VideoReadError: A video or camera that cannot be opened (``camera
            0: cannot be opened ...``), or a folder without images; names
            it.
    """
    if isinstance(source, str) and source.isdigit():
        source = int(source)
    if isinstance(source, str) and osp.isdir(source):
        images = sorted(f for f in os.listdir(source)
                        if f.lower().endswith(_IMAGE_EXTS))
        if not images:
            raise VideoReadError(source, 'holds no image')
        rate = fps or 25.0
        return _images(source, images, rate), rate
    import cv2
    if isinstance(source, str) and not osp.isfile(source):
        raise FileNotFoundError(f'video not found: {source}')
    with _quiet_opencv(cv2):
        capture = cv2.VideoCapture(source)
    if not capture.isOpened():
        capture.release()
        if isinstance(source, int):
            raise VideoReadError(f'camera {source}', 'cannot be opened: no '
                                 'such device, or another program holds it')
        raise VideoReadError(source, 'cannot be opened (not a video, or a '
                             'codec OpenCV lacks)')
    rate = fps or capture.get(cv2.CAP_PROP_FPS) or 25.0
    return _capture(capture, float(rate)), float(rate)


@contextlib.contextmanager
def _quiet_opencv(cv2) -> Iterator[None]:
    """Silence OpenCV's log while a capture opens: a missing camera makes
    each backend it tries print a multi-line warning that reads like a
    traceback, before the one-line error raised here."""
    log = getattr(getattr(cv2, 'utils', None), 'logging', None)
    if log is None:  # an OpenCV build without cv2.utils.logging
        yield
        return
    level = log.getLogLevel()
    log.setLogLevel(log.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        log.setLogLevel(level)


def _images(folder: str, names, fps: float
            ) -> Iterator[Tuple[float, np.ndarray]]:
    import cv2
    for i, name in enumerate(names):
        frame = cv2.imread(osp.join(folder, name), cv2.IMREAD_COLOR)
        if frame is None:
            raise VideoReadError(osp.join(folder, name),
                                 'not a readable image')
        yield i / fps, frame


def _capture(capture, fps: float) -> Iterator[Tuple[float, np.ndarray]]:
    try:
        index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            yield index / fps, frame
            index += 1
    finally:
        capture.release()
