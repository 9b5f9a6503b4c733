"""Le2i / ImViA fall dataset (Charfi et al., 2013) to MMAction2 video
annotations.

The published layout: one folder a scene, its videos and, per video, an
annotation file whose first two lines are the fall's first and last frame
(``0`` and ``0``: no fall), then one line a frame with the person's box::

    ROOT/Coffee_room_01/Videos/video (1).avi
    ROOT/Coffee_room_01/Annotation_files/video (1).txt
    ROOT/Home_01/Videos/...  ROOT/Home_01/Annotation_files/...

(some downloads spell the folder ``Annotations_files``). Each annotated
video is linked (or copied) to ``videos/<scene>/<video>.avi`` with spaces
and brackets taken out of the name, label ``fall`` or ``no_fall``; videos
without an annotation file are skipped and counted.
"""
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

from mmlight.datasets.errors import AnnotationError

from .common import ClipRecord, place_video, safe_name

__all__ = ['read_le2i_annotation', 'convert_le2i']

_VIDEO_EXTS = ('.avi', '.mp4')
_ANNOTATION_DIRS = ('Annotation_files', 'Annotations_files', 'Annotations')


def read_le2i_annotation(path: str) -> Tuple[int, int]:
    """The fall's first and last frame of a Le2i annotation file.

    Returns:
        tuple: ``(start, end)``; ``(0, 0)`` means no fall.

    Raises:
        AnnotationError: Fewer than two lines, a non-integer frame, or an
            end before the start; names the file and line.
    """
    with open(path) as f:
        lines = [line.strip() for line in f.readlines()[:2]]
    if len(lines) < 2:
        raise AnnotationError(path, len(lines) + 1,
                              'expected the fall start frame on line 1 and '
                              'its end frame on line 2')
    values = []
    for lineno, line in enumerate(lines, 1):
        try:
            values.append(int(line))
        except ValueError:
            raise AnnotationError(path, lineno, f'expected a frame number, '
                                  f'got {line!r}')
    start, end = values
    if start < 0 or end < start:
        raise AnnotationError(path, 2, f'fall end {end} before its start '
                              f'{start}')
    return start, end



def _annotation_dir(scene: str) -> Optional[str]:
    for name in _ANNOTATION_DIRS:
        if osp.isdir(osp.join(scene, name)):
            return osp.join(scene, name)
    return None


def convert_le2i(root: str, out_dir: str, link: bool = True,
                 scenes: Optional[Sequence[str]] = None
                 ) -> Tuple[List[ClipRecord], List[str]]:
    """Collect Le2i's annotated videos under ``out_dir``.

    Args:
        root (str): The downloaded dataset (scene folders).
        out_dir (str): Output root; videos go to ``out_dir/videos``.
        link (bool): Symlink the videos instead of copying them. Defaults
            to True.
        scenes (Sequence[str], optional): Only these scene folders.
            Defaults to None (all).

    Returns:
        tuple: The records (grouped by video; the scene is
        ``record.group.split('/')[0]``) and the videos skipped for want of
        an annotation file.

    Raises:
        FileNotFoundError: No root, or no scene with videos in it.
        AnnotationError: A malformed annotation file, naming file and line.
    """
    if not osp.isdir(root):
        raise FileNotFoundError(f'Le2i root not found: {root}')
    records, skipped = [], []
    for scene in sorted(os.listdir(root)):
        scene_dir = osp.join(root, scene)
        videos_dir = osp.join(scene_dir, 'Videos')
        if not osp.isdir(videos_dir) or (scenes is not None
                                         and scene not in scenes):
            continue
        ann_dir = _annotation_dir(scene_dir)
        for video in sorted(os.listdir(videos_dir)):
            stem, ext = osp.splitext(video)
            if ext.lower() not in _VIDEO_EXTS:
                continue
            source = osp.join(videos_dir, video)
            ann = osp.join(ann_dir, stem + '.txt') if ann_dir else None
            if ann is None or not osp.isfile(ann):
                skipped.append(source)
                continue
            start, end = read_le2i_annotation(ann)
            fall = end > 0
            rel = place_video(
                source, out_dir,
                f'videos/{safe_name(scene)}/{safe_name(stem)}{ext.lower()}',
                link)
            records.append(ClipRecord(
                path=rel, label=int(fall), group=f'{scene}/{stem}',
                # Le2i counts frames from 1
                fall_start=start - 1 if fall else None,
                fall_end=end - 1 if fall else None, source=source))
    if not records and not skipped:
        raise FileNotFoundError(f'{root}: no Le2i scene (<scene>/Videos/'
                                '*.avi) found')
    return records, skipped
