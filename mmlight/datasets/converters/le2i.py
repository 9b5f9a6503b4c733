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

Each video is decoded once: its real frame count is recorded (many Le2i
re-encodes are a few frames shorter than their annotation: the fall frames
are clamped to the video, with a warning naming the file) and, with a
frame cache size, its frames are stored resized for training
(:mod:`mmlight.datasets.frame_cache`). :func:`le2i_windows` then cuts the
training windows (:mod:`.windows`).
"""
import os
import os.path as osp
import re
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

from mmlight.datasets.errors import AnnotationError
from mmlight.datasets.frame_cache import cache_file, decode_video

from .common import ClipRecord, place_video, safe_name
from .windows import Window, cut_windows

__all__ = ['read_le2i_annotation', 'convert_le2i', 'le2i_windows',
           'count_annotated_frames']

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


def _natural(name: str) -> list:
    """Sort key: ``video (2)`` before ``video (10)``."""
    return [int(t) if t.isdigit() else t for t in re.split(r'(\d+)', name)]


def count_annotated_frames(path: str) -> int:
    """Per-frame box lines of a Le2i annotation file (after the two fall
    lines): the frames the annotation was made on."""
    with open(path) as f:
        return sum(1 for i, line in enumerate(f) if i >= 2 and line.strip())


def convert_le2i(root: str, out_dir: str, link: bool = True,
                 scenes: Optional[Sequence[str]] = None,
                 cache_size: Optional[Tuple[int, int]] = None,
                 verbose: bool = False, max_videos: Optional[int] = None
                 ) -> Tuple[List[ClipRecord], List[str]]:
    """Collect Le2i's annotated videos under ``out_dir``.

    Args:
        root (str): The downloaded dataset (scene folders).
        out_dir (str): Output root; videos go to ``out_dir/videos`` (linked
            unless ``link`` is False), frame caches to ``out_dir/frames``.
        link (bool): Symlink the videos instead of copying them. Defaults
            to True.
        scenes (Sequence[str], optional): Only these scene folders.
            Defaults to None (all).
        cache_size (tuple, optional): ``(W, H)``: decode each video once
            into ``out_dir/frames/videos/<scene>/<video>.npy`` at that
            size.
            Defaults to None (no cache; the frames are still counted).
        verbose (bool): Print one line a video. Defaults to False.
        max_videos (int, optional): Only the first N annotated videos of
            each scene (natural order). Defaults to None (all).

    Returns:
        tuple: The records (one a video, ``num_frames`` the decoded count;
        the scene is ``record.group.split('/')[0]``) and the videos skipped
        for want of an annotation file.

    Raises:
        FileNotFoundError: No root, no scene with videos in it, or no video
            with an annotation file; names the layout looked for.
        AnnotationError: A malformed annotation file, naming file and line.
        VideoReadError: A video that cannot be decoded, naming it.
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
        taken = 0
        for video in sorted(os.listdir(videos_dir), key=_natural):
            stem, ext = osp.splitext(video)
            if ext.lower() not in _VIDEO_EXTS:
                continue
            if max_videos is not None and taken >= max_videos:
                break
            source = osp.join(videos_dir, video)
            ann = osp.join(ann_dir, stem + '.txt') if ann_dir else None
            if ann is None or not osp.isfile(ann):
                skipped.append(source)
                continue
            start, end = read_le2i_annotation(ann)
            rel = place_video(
                source, out_dir,
                f'videos/{safe_name(scene)}/{safe_name(stem)}{ext.lower()}',
                link)
            num_frames, fps = decode_video(
                source, cache_size,
                cache_file(osp.join(out_dir, 'frames'), rel)
                if cache_size else None)
            fall = end > 0
            # Le2i counts frames from 1
            fall_start, fall_end = (start - 1, end - 1) if fall else (None,
                                                                      None)
            annotated = count_annotated_frames(ann)
            if annotated > num_frames:
                warnings.warn(f'{source}: {num_frames} frames decoded, '
                              f'{annotated} annotated ({ann}); the video is '
                              f'{annotated - num_frames} frames shorter')
            if fall and fall_end >= num_frames:
                if fall_start >= num_frames:
                    warnings.warn(f'{source}: the annotated fall (frames '
                                  f'{start}-{end}) starts after the video\'s '
                                  f'{num_frames} frames; the video is '
                                  'skipped')
                    skipped.append(source)
                    continue
                warnings.warn(f'{source}: the annotated fall ends at frame '
                              f'{end}, after the video\'s {num_frames} '
                              f'frames; clamped to {num_frames}')
                fall_end = num_frames - 1
            taken += 1
            records.append(ClipRecord(
                path=rel, label=int(fall), group=f'{scene}/{stem}',
                fall_start=fall_start, fall_end=fall_end,
                num_frames=num_frames, fps=fps, source=source))
            if verbose:
                print(f'  {rel}: {num_frames} frames at {fps:g} fps'
                      + (f', fall {fall_start}-{fall_end}' if fall else
                         ', no fall'), flush=True)
    layout = (f'<scene>/Videos/*{"|*".join(_VIDEO_EXTS)} with '
              f'<scene>/{"|".join(_ANNOTATION_DIRS)}/<video name>.txt')
    if not records and not skipped:
        raise FileNotFoundError(
            f'{root}: no Le2i scene found (looked for {layout})')
    if not records:
        video = skipped[0]
        scene_dir = osp.dirname(osp.dirname(video))
        stem = osp.splitext(osp.basename(video))[0]
        raise FileNotFoundError(
            f'{root}: none of the {len(skipped)} videos found has a usable '
            f'annotation file (looked for {layout}; for {video}: '
            f'{osp.join(scene_dir, _ANNOTATION_DIRS[0], stem + ".txt")})')
    return records, skipped


def le2i_windows(record: ClipRecord, length: int, stride: int = 8,
                 fall_stride: int = 2, fall_cover: float = 0.6
                 ) -> List[Window]:
    """The labelled windows of one converted video (:func:`cut_windows`
    on its decoded frames and its fall)."""
    return cut_windows(record.num_frames, length, record.fall_start,
                       record.fall_end, stride, fall_stride, fall_cover)


def scene_of(record: ClipRecord) -> str:
    """The scene (``Coffee_room_01``...) a record was filmed in."""
    return record.group.split('/')[0]


def window_counts(windows: Dict[str, List[Tuple[ClipRecord, Window]]]
                  ) -> Dict[str, Dict[str, int]]:
    """Fall and no-fall windows per split."""
    return {split: dict(no_fall=sum(w.label == 0 for _, w in ws),
                        fall=sum(w.label == 1 for _, w in ws))
            for split, ws in windows.items()}
