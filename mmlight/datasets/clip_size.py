"""Clip sizes (frames, height, width, channels) read cheaply: from the
annotation's data info when it has them, else from the video header, with
a cache."""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from .errors import VideoReadError

__all__ = ['ClipSize', 'read_clip_size', 'dataset_clip_sizes']

#: (frames, height, width, channels)
ClipSize = Tuple[int, int, int, int]

# data info keys that give the size without opening the file
_FRAMES_KEYS = ('total_frames', 'num_frames')
_SHAPE_KEYS = ('img_shape', 'original_shape')


def read_clip_size(filename: str) -> ClipSize:
    """The size of a video from its header (OpenCV: no frame is decoded).

    Args:
        filename (str): The video file.

    Returns:
        tuple: ``(frames, height, width, 3)``.

    Raises:
        VideoReadError: The file is missing, or its header gives no frames
            or no size.
    """
    import cv2
    if not osp.isfile(filename):
        raise VideoReadError(filename, 'no such file')
    capture = cv2.VideoCapture(filename)
    try:
        frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    finally:
        capture.release()
    if frames <= 0 or width <= 0 or height <= 0:
        raise VideoReadError(
            filename, f'the header gives {frames} frames of {width}x{height};'
            ' not a readable video')
    return frames, height, width, 3


def _from_info(info: dict) -> Optional[ClipSize]:
    frames = next((info[k] for k in _FRAMES_KEYS if info.get(k)), None)
    shape = next((info[k] for k in _SHAPE_KEYS if info.get(k)), None)
    if frames is None or shape is None:
        return None
    return int(frames), int(shape[0]), int(shape[1]), 3


def _load_cache(path: Optional[str]) -> Dict[str, list]:
    if path is None or not osp.isfile(path):
        return {}
    try:
        with open(path) as f:
            return dict(json.load(f))
    except (OSError, ValueError):  # a damaged cache is rebuilt
        return {}


def dataset_clip_sizes(data_infos: Sequence[dict],
                       cache_file: Optional[str] = None) -> List[ClipSize]:
    """The size of every clip of a dataset, in index order.

    A data info with ``total_frames`` and ``img_shape`` is used as it is;
    otherwise the video header of its ``filename`` is read. Headers read are
    cached in ``cache_file`` (JSON, keyed by file path and checked against
    the file's size and modification time), so a second run opens no file.

    Args:
        data_infos (Sequence[dict]): ``dataset.get_data_info(i)`` for all
            ``i``.
        cache_file (str, optional): The cache. Defaults to None.

    Returns:
        list[tuple]: ``(frames, height, width, channels)`` a clip.

    Raises:
        VideoReadError: A header could not be read; names the file.
    """
    cache = _load_cache(cache_file)
    changed = False
    sizes: List[ClipSize] = []
    for info in data_infos:
        size = _from_info(info)
        if size is None:
            filename = info['filename']
            stat = os.stat(filename) if osp.isfile(filename) else None
            key = [stat.st_size, stat.st_mtime_ns] if stat else None
            hit = cache.get(filename)
            if hit is not None and key is not None and hit[:2] == key:
                size = tuple(hit[2:])  # type: ignore
            else:
                size = read_clip_size(filename)
                cache[filename] = key + list(size)
                changed = True
        sizes.append(size)
    if changed and cache_file is not None:
        folder = osp.dirname(osp.abspath(cache_file))
        os.makedirs(folder, exist_ok=True)
        tmp = cache_file + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(cache, f)
        os.replace(tmp, cache_file)
    return sizes
