"""Decoded-frame cache: each video decoded once into a uint8 array file.

A window dataset samples a few frames from anywhere in a long video; a
compressed video answers such a seek by decoding from the last key frame,
so an epoch of windows costs mostly decoding. Decoding every video once,
resized to the size training crops from, into ``(T, H, W, 3)`` RGB uint8
``.npy`` files that are memory-mapped makes an epoch cost the model only.
The cache is derived data: it lives beside the annotation files (never in
the package) and is rebuilt from the videos by the converter.
"""
import os
import os.path as osp
from typing import Optional, Tuple

import numpy as np

from .errors import VideoReadError

__all__ = ['cache_file', 'decode_video', 'load_cached_frames']


def cache_file(cache_root: str, video_rel: str) -> str:
    """The cache file of a video: ``<cache_root>/<video_rel without its
    extension>.npy``."""
    return osp.join(cache_root, osp.splitext(video_rel)[0] + '.npy')


def decode_video(video: str, size: Optional[Tuple[int, int]] = None,
                 out_file: Optional[str] = None) -> Tuple[int, float]:
    """Decode every frame of a video (OpenCV, as the stream detector reads
    it), optionally resized and written to a cache file.

    Args:
        video (str): The video file.
        size (tuple, optional): ``(W, H)`` to resize each frame to; None
            keeps the video's size. Defaults to None.
        out_file (str, optional): Write the frames there as ``(T, H, W, 3)``
            RGB uint8 (atomically: a temporary file, then a rename).
            Defaults to None (count only).

    Returns:
        tuple: ``(decoded frames, fps)``.

    Raises:
        VideoReadError: The file cannot be opened or holds no frame.
    """
    import cv2
    if not osp.isfile(video):
        raise VideoReadError(video, 'no such file')
    capture = cv2.VideoCapture(video)
    if not capture.isOpened():
        raise VideoReadError(video, 'OpenCV cannot open it')
    fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
    frames = []
    count = 0
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            count += 1
            if out_file is not None:
                if size is not None:
                    frame = cv2.resize(frame, tuple(size),
                                       interpolation=cv2.INTER_AREA)
                frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    finally:
        capture.release()
    if not count:
        raise VideoReadError(video, 'no frame could be decoded')
    if out_file is not None:
        os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
        tmp = f'{out_file}.tmp{os.getpid()}.npy'
        np.save(tmp, np.stack(frames))
        os.replace(tmp, out_file)
    return count, fps


def load_cached_frames(path: str) -> np.ndarray:
    """Memory-map a cache file.

    Returns:
        np.ndarray: ``(T, H, W, 3)`` uint8, read-only.

    Raises:
        VideoReadError: Missing, unreadable or not ``(T, H, W, 3)`` uint8.
    """
    try:
        frames = np.load(path, mmap_mode='r')
    except FileNotFoundError:
        raise VideoReadError(path, 'frame cache file not found (run the '
                             'converter with --frame-cache)') from None
    except (ValueError, OSError) as exc:
        raise VideoReadError(path, f'not a frame cache file ({exc})') \
            from exc
    if frames.ndim != 4 or frames.shape[-1] != 3 or \
            frames.dtype != np.uint8 or not len(frames):
        raise VideoReadError(path, f'expected (T, H, W, 3) uint8 frames, '
                             f'got {frames.shape} {frames.dtype}')
    return frames
