"""UR Fall Detection (Kwolek & Kepski, 2014) to MMAction2 video annotations.

The published layout, as downloaded (zips) or unzipped, side by side::

    ROOT/fall-01-cam0-rgb.zip          (or fall-01-cam0-rgb/ unzipped)
        fall-01-cam0-rgb/fall-01-cam0-rgb-001.png ...
    ROOT/adl-01-cam0-rgb.zip ...
    ROOT/urfall-cam0-falls.csv         (optional: per-frame labels)

Each RGB sequence becomes ``videos/<name>.mp4`` (30 fps, its frames in
order), label ``fall`` (``fall-*``) or ``no_fall`` (``adl-*``). The CSV's
rows ``<seq>,<frame>,<label>,...`` (label -1: not lying, 0: falling, 1:
lying) give the fall's first and last frame (label 0) in ``meta.json``.
"""
import csv
import os
import os.path as osp
import re
import zipfile
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmlight.datasets.errors import AnnotationError, VideoReadError

from .common import ClipRecord, write_video

__all__ = ['find_urfall_sequences', 'read_urfall_labels', 'convert_urfall']

_SEQUENCE = re.compile(r'^(fall|adl)-(\d+)-(cam\d)-rgb$')
_IMAGE = re.compile(r'-(\d+)\.(png|jpg|jpeg)$', re.IGNORECASE)


def _match_sequence(entry: str) -> Optional[re.Match]:
    """Kind, number and camera of a sequence's folder or zip name."""
    return _SEQUENCE.match(entry[:-4] if entry.lower().endswith('.zip')
                           else entry)


def find_urfall_sequences(root: str, camera: str = 'cam0'
                          ) -> Dict[str, str]:
    """The RGB sequences of one camera: name (``fall-01``) to the folder
    or zip that holds its frames (a folder wins over a zip)."""
    found: Dict[str, str] = {}
    if not osp.isdir(root):
        raise FileNotFoundError(f'UR Fall root not found: {root}')
    for entry in sorted(os.listdir(root)):
        match = _match_sequence(entry)
        if match is None or match.group(3) != camera:
            continue
        name = f'{match.group(1)}-{match.group(2)}'
        path = osp.join(root, entry)
        if osp.isdir(path) or name not in found:
            found[name] = path
    return found


def _frame_number(name: str) -> int:
    match = _IMAGE.search(name)
    return int(match.group(1)) if match else -1


def _read_frames(source: str) -> List[Tuple[int, str, np.ndarray]]:
    """``(frame number, name, BGR image)`` of a sequence folder or zip, in
    order."""
    import cv2
    frames = []
    if osp.isdir(source):
        for name in os.listdir(source):
            number = _frame_number(name)
            if number < 0:
                continue
            image = cv2.imread(osp.join(source, name), cv2.IMREAD_COLOR)
            if image is None:
                raise VideoReadError(osp.join(source, name),
                                     'not a readable image')
            frames.append((number, osp.join(source, name), image))
    else:
        try:
            archive = zipfile.ZipFile(source)
        except zipfile.BadZipFile as e:
            raise VideoReadError(source, f'not a zip archive ({e})')
        with archive:
            for name in archive.namelist():
                number = _frame_number(name)
                if number < 0:
                    continue
                data = np.frombuffer(archive.read(name), np.uint8)
                image = cv2.imdecode(data, cv2.IMREAD_COLOR)
                if image is None:
                    raise VideoReadError(f'{source}:{name}',
                                         'not a readable image')
                frames.append((number, f'{source}:{name}', image))
    if not frames:
        raise VideoReadError(source, 'holds no numbered frame image')
    return sorted(frames, key=lambda f: f[0])


def read_urfall_labels(csv_path: str) -> Dict[str, Tuple[int, int]]:
    """The falling frames (label 0) of each sequence in a UR Fall CSV.

    Returns:
        dict: Sequence name (``fall-01``) to its first and last falling
        frame; sequences without one are left out.

    Raises:
        AnnotationError: A row whose frame or label is not an integer,
            naming the file and line.
    """
    spans: Dict[str, List[int]] = {}
    with open(csv_path, newline='') as f:
        for lineno, row in enumerate(csv.reader(f), 1):
            if not row or not row[0].strip():
                continue
            if len(row) < 3:
                raise AnnotationError(csv_path, lineno,
                                      'expected <sequence>,<frame>,<label>'
                                      f', got {",".join(row)!r}')
            try:
                frame, label = int(row[1]), int(float(row[2]))
            except ValueError:
                raise AnnotationError(
                    csv_path, lineno, f'frame {row[1]!r} and label '
                    f'{row[2]!r} must be integers')
            if label == 0:
                spans.setdefault(row[0].strip(), []).append(frame)
    return {name: (min(f), max(f)) for name, f in spans.items()}


def convert_urfall(root: str, out_dir: str, camera: str = 'cam0',
                   fps: float = 30.0,
                   labels_csv: Optional[str] = None,
                   names: Optional[Sequence[str]] = None
                   ) -> List[ClipRecord]:
    """Encode UR Fall's RGB sequences as videos under ``out_dir``.

    Args:
        root (str): The downloaded dataset (zips or folders).
        out_dir (str): Output root; videos go to ``out_dir/videos``.
        camera (str): ``'cam0'`` (front; falls and ADL) or ``'cam1'``
            (ceiling; falls only). Defaults to ``'cam0'``.
        fps (float): The sequences' frame rate. Defaults to 30.
        labels_csv (str, optional): Per-frame labels; None looks for
            ``ROOT/urfall-<camera>-falls.csv``. Defaults to None.
        names (Sequence[str], optional): Only these sequences. Defaults to
            None (all).

    Returns:
        list[ClipRecord]: One per sequence, each its own group.

    Raises:
        FileNotFoundError: No root, or no sequence in it (naming the
            layout looked for and the cameras found).
        VideoReadError: A corrupt zip or frame, naming it.
    """
    sequences = find_urfall_sequences(root, camera)
    if not sequences:
        cameras = sorted({m.group(3) for m in map(_match_sequence,
                                                  os.listdir(root)) if m})
        raise FileNotFoundError(
            f'{root}: no UR Fall {camera} RGB sequence found (looked for '
            f'fall-NN-{camera}-rgb and adl-NN-{camera}-rgb, each a .zip or '
            'an unzipped folder of numbered .png frames'
            + (f'; found {", ".join(cameras)} ones: pass --camera'
               if cameras else '') + ')')
    if names is not None:
        sequences = {n: p for n, p in sequences.items() if n in set(names)}
        if not sequences:
            raise FileNotFoundError(f'{root}: none of the sequences '
                                    f'{", ".join(names)} found for {camera}')
    if labels_csv is None:
        candidate = osp.join(root, f'urfall-{camera}-falls.csv')
        labels_csv = candidate if osp.isfile(candidate) else None
    spans = read_urfall_labels(labels_csv) if labels_csv else {}
    records = []
    for name, source in sequences.items():
        frames = _read_frames(source)
        rel = f'videos/{name}.mp4'
        write_video(((n, image) for _, n, image in frames),
                    osp.join(out_dir, rel), fps)
        # 0-based frame indices of the video; the CSV counts from 1
        first = frames[0][0]
        span = spans.get(name)
        records.append(ClipRecord(
            path=rel, label=int(name.startswith('fall')), group=name,
            fall_start=None if span is None else span[0] - first,
            fall_end=None if span is None else span[1] - first,
            num_frames=len(frames), fps=float(fps), source=source))
    return records
