"""A generic "one folder per class" video collection to MMAction2 video
annotations::

    ROOT/fall/clip_001.mp4
    ROOT/no_fall/clip_017.avi
    ROOT/<class>/<any sub folders>/<video>

Classes are the sub folders of ROOT, sorted (or as given); every video
under a class folder, at any depth, is linked (or copied) to
``videos/<class>/<path with / as __>``. Each video is decoded once for its
frame count and frame rate (:func:`~mmlight.datasets.frame_cache.decode_video`,
as Le2i's), written to ``meta.json``.
"""
import os
import os.path as osp
import re
import warnings
from typing import List, Optional, Sequence, Tuple

from mmlight.datasets.errors import VideoReadError
from mmlight.datasets.frame_cache import decode_video

from .common import ClipRecord, place_video, safe_name

__all__ = ['VIDEO_EXTENSIONS', 'convert_folders']

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.mpg',
                    '.mpeg')


def convert_folders(root: str, out_dir: str,
                    classes: Optional[Sequence[str]] = None,
                    group_pattern: Optional[str] = None,
                    link: bool = True) -> Tuple[List[ClipRecord], List[str]]:
    """Collect the videos of a folder-per-class tree under ``out_dir``.

    Args:
        root (str): The tree.
        out_dir (str): Output root; videos go to ``out_dir/videos``.
        classes (Sequence[str], optional): Class folders in label order;
            None takes every sub folder, sorted. Defaults to None.
        group_pattern (str, optional): A regular expression whose first
            group, searched in a video's path below its class folder, names
            the recordings that must share a split (e.g. ``r'(subject\\d+)'``);
            None makes every video its own group. Defaults to None.
        link (bool): Symlink instead of copy. Defaults to True.

    Returns:
        tuple: The records (``num_frames`` and ``fps`` decoded from each
        video) and the class names.

    Raises:
        FileNotFoundError: No root, a missing class folder, or no video;
            the message names the folder and the layout looked for.
        ValueError: A bad ``group_pattern``.
        VideoReadError: A video that cannot be decoded, naming it.
    """
    if not osp.isdir(root):
        raise FileNotFoundError(f'video folder not found: {root}')
    if classes is None:
        classes = sorted(d for d in os.listdir(root)
                         if osp.isdir(osp.join(root, d)))
    pattern = re.compile(group_pattern) if group_pattern else None
    if pattern is not None and pattern.groups < 1:
        raise ValueError(f'group_pattern {group_pattern!r} needs a group '
                         '(...) naming the recording')
    records = []
    for label, name in enumerate(classes):
        class_dir = osp.join(root, name)
        if not osp.isdir(class_dir):
            raise FileNotFoundError(f'class folder not found: {class_dir}')
        for folder, _, files in sorted(os.walk(class_dir)):
            for file in sorted(files):
                if osp.splitext(file)[1].lower() not in VIDEO_EXTENSIONS:
                    continue
                source = osp.join(folder, file)
                inner = osp.relpath(source, class_dir)
                group = f'{name}/{osp.splitext(inner)[0]}'
                if pattern is not None:
                    match = pattern.search(inner)
                    # shared across classes: one subject, one split
                    group = match.group(1) if match else group
                try:
                    num_frames, fps = decode_video(source)
                except VideoReadError as exc:  # one bad file: the others go on
                    warnings.warn(f'skipped {exc}')
                    continue
                rel = place_video(
                    source, out_dir, f'videos/{safe_name(name)}/'
                    f'{safe_name(inner.replace(os.sep, "__"))}', link)
                records.append(ClipRecord(path=rel, label=label,
                                          group=group, num_frames=num_frames,
                                          fps=fps, source=source))
    if not records:
        looked_in = (f'class folders {", ".join(classes)}' if classes else
                     'no sub folder')
        raise FileNotFoundError(
            f'{root}: no video found (looked for <class>/**/<video> with '
            f'{"|".join(VIDEO_EXTENSIONS)}, one sub folder a class, e.g. '
            f'{osp.join(root, "fall", "clip.mp4")}; found {looked_in})')
    return records, list(classes)
