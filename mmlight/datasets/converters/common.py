"""What the fall-dataset converters share: the records they produce, the
split, and the MMAction2 annotation files they write."""
import json
import os
import os.path as osp
import random
import re
import shutil
import warnings
from dataclasses import asdict, dataclass
from typing import (Callable, Dict, Hashable, Iterable, List, Optional,
                    Sequence, Tuple)

import numpy as np

from mmlight.datasets.errors import VideoReadError

__all__ = [
    'FALL_CLASSES', 'SPLITS', 'ClipRecord', 'place_video', 'safe_name',
    'split_records', 'write_annotations', 'write_video',
    'write_window_annotations'
]

#: Binary classes of the fall datasets, in label order.
FALL_CLASSES = ('no_fall', 'fall')

#: The splits, in the order of the ratios.
SPLITS = ('train', 'val', 'test')


@dataclass
class ClipRecord:
    """One video of a converted dataset.

    Attributes:
        path: The video, relative to the output root.
        label: Index into the class list.
        group: Recordings that must stay in one split (a subject, a scene,
            a sequence), so that no split sees another's person or room.
        fall_start: First frame of the fall, or None.
        fall_end: Last frame of the fall, or None.
        num_frames: Frames of the video (0 if unknown).
        fps: Frame rate (0 if unknown).
        source: Where it came from in the original layout.
    """
    path: str
    label: int
    group: str
    fall_start: Optional[int] = None
    fall_end: Optional[int] = None
    num_frames: int = 0
    fps: float = 0.0
    source: str = ''


def split_records(records: Sequence[ClipRecord],
                  ratios: Sequence[float] = (0.7, 0.15, 0.15),
                  seed: int = 0,
                  stratum: Optional[Callable[[ClipRecord], Hashable]] = None
                  ) -> Dict[str, List[ClipRecord]]:
    """Split by group, so that a group's clips share one split.

    Groups are shuffled with ``seed`` and dealt to train, val and test in
    turn, each split taking groups until it holds its share of the clips
    (shares rounded by largest remainder). When every group
    holds one class (a sequence, a video), classes are dealt separately,
    so every split gets falls and non-falls when there are enough groups;
    groups that span classes (a subject) are dealt as wholes.

    A split left empty although its ratio is above 0 (too few groups, or
    groups too large for its share) is warned of, with the reason and the
    group count, since every converter's split goes through here.

    Args:
        records (Sequence[ClipRecord]): The clips.
        ratios (Sequence[float]): Train, val, test; summing to 1.
            Defaults to (0.7, 0.15, 0.15).
        seed (int): Shuffles the groups. Defaults to 0.
        stratum (Callable, optional): With single-class groups, the stratum
            of a group's first record (e.g. ``(scene, label)``, so that
            every split holds every room's falls and non-falls). Defaults
            to None (the label).

    Returns:
        dict: ``'train'``, ``'val'``, ``'test'`` to their records.

    Raises:
        ValueError: Bad ratios, or no record.

    Warns:
        UserWarning: A split with a ratio above 0 is empty; the message
            names it, the groups, the ratios and what to change.
    """
    r = np.asarray(ratios, dtype=float)
    if r.shape != (3, ) or (r < 0).any() or abs(r.sum() - 1) > 1e-6:
        raise ValueError('ratios must be 3 non-negative (train, val, test) '
                         f'ratios summing to 1, got {tuple(ratios)!r}')
    if not records:
        raise ValueError('no clip to split: the input folder held nothing '
                         'the converter recognised')
    groups: Dict[str, List[ClipRecord]] = {}
    for rec in records:
        groups.setdefault(rec.group, []).append(rec)
    if all(len({rec.label for rec in g}) == 1 for g in groups.values()):
        key = stratum or (lambda rec: rec.label)
        strata = sorted({key(g[0]) for g in groups.values()})
        by_stratum = [[n for n, g in groups.items() if key(g[0]) == s]
                      for s in strata]
    else:
        by_stratum = [list(groups)]
    splits: Dict[str, List[ClipRecord]] = {name: [] for name in SPLITS}
    rng = random.Random(seed)
    for names in by_stratum:
        names = sorted(names)
        rng.shuffle(names)
        targets = _largest_remainder(r * sum(len(groups[n]) for n in names))
        index, filled = 0, 0
        for name in names:
            while index < 2 and filled >= targets[index]:
                index, filled = index + 1, 0
            splits[SPLITS[index]] += groups[name]
            filled += len(groups[name])
    for split, share in zip(SPLITS, r):
        if share > 0 and not splits[split]:
            warnings.warn(_empty_split_message(
                split, r, [len(names) for names in by_stratum],
                len(records)))
    return splits


def _empty_split_message(split: str, ratios: np.ndarray,
                         strata: Sequence[int], num_clips: int) -> str:
    """Why ``split`` got no group, and what to change; ``strata`` are the
    group counts of the strata dealt separately."""
    share, most = float(ratios[SPLITS.index(split)]), max(strata)
    where = f'{sum(strata)} groups ({num_clips} clips)'
    if len(strata) > 1:
        where += (f' in {len(strata)} strata dealt separately (each class, '
                  f'or scene and class), at most {most} groups each')
    if share * most < 1:
        why = (f'too few groups: its share {share:g} of {most} groups is '
               f'{share * most:.2g} group, and a group stays whole in one '
               'split')
    else:
        why = ('the groups are too uneven: those dealt before it took its '
               'clips, and a group stays whole in one split')
    return (f'the {split} split is empty: {where}, ratios '
            f'{" ".join(f"{x:g}" for x in ratios)}: {why}; give more '
            'groups (more recordings, or for folders a --group-pattern that '
            'cuts them finer) or other ratios (--ratios TRAIN VAL TEST)')


def _largest_remainder(shares: np.ndarray) -> List[int]:
    """Integers summing to ``round(sum(shares))``, each the floor of its
    share or one more (the largest remainders get the extra)."""
    floors = np.floor(shares).astype(int)
    extra = int(round(shares.sum())) - int(floors.sum())
    for i in np.argsort(-(shares - floors), kind='stable')[:extra]:
        floors[i] += 1
    return floors.tolist()


def write_annotations(out_dir: str, splits: Dict[str, List[ClipRecord]],
                      classes: Sequence[str], dataset: str,
                      args: Optional[dict] = None,
                      list_name: str = '{split}.txt') -> Dict[str, int]:
    """Write MMAction2 ``VideoDataset`` annotation files.

    ``<split>.txt`` with lines ``<path> <label>``, ``classes.txt`` and
    ``meta.json`` (the dataset, the arguments and every clip with its fall
    frames), the layout SynthFall writes, so its configs and tools apply.

    Args:
        out_dir (str): The output root (videos are under it).
        splits (dict): From :func:`split_records`.
        classes (Sequence[str]): Class names in label order.
        dataset (str): The source dataset's name.
        args (dict, optional): The conversion arguments. Defaults to None.
        list_name (str): The file name of a split's list, ``{split}``
            filled in. Defaults to ``'{split}.txt'``.

    Returns:
        dict: Clips per split.
    """
    os.makedirs(out_dir, exist_ok=True)
    counts = {}
    for split, records in splits.items():
        with open(osp.join(out_dir, list_name.format(split=split)),
                  'w') as f:
            for rec in records:
                f.write(f'{rec.path} {rec.label}\n')
        counts[split] = len(records)
    with open(osp.join(out_dir, 'classes.txt'), 'w') as f:
        f.write('\n'.join(classes) + '\n')
    clips = [dict(asdict(rec), split=split)
             for split, records in splits.items() for rec in records]
    with open(osp.join(out_dir, 'meta.json'), 'w') as f:
        json.dump(dict(dataset=dataset, classes=list(classes),
                       args=args or {}, clips=clips), f, indent=1)
    return counts


def write_window_annotations(out_dir: str,
                             windows: Dict[str, List[Tuple[ClipRecord,
                                                           'Window']]],
                             ) -> Dict[str, int]:
    """Write window annotation files, ``<split>.txt`` with lines
    ``<video> <first frame> <last frame> <label>`` (0-based, inclusive),
    which :class:`~mmlight.datasets.VideoWindowDataset` reads.

    Args:
        out_dir (str): The output root (videos are under it).
        windows (dict): Split to ``(record, window)`` pairs.

    Returns:
        dict: Windows per split.
    """
    os.makedirs(out_dir, exist_ok=True)
    for split, pairs in windows.items():
        with open(osp.join(out_dir, f'{split}.txt'), 'w') as f:
            for rec, win in pairs:
                f.write(f'{rec.path} {win.start} {win.end} {win.label}\n')
    return {split: len(pairs) for split, pairs in windows.items()}


def write_video(frames: Iterable[Tuple[str, np.ndarray]], out_path: str,
                fps: float) -> int:
    """Encode frames (in order) as an mp4 (``mp4v``).

    Args:
        frames (Iterable[tuple]): ``(name, BGR image)``; the name is for
            errors (a file, or a zip and its member).
        out_path (str): The video to write; folders are created.
        fps (float): Its frame rate.

    Returns:
        int: Frames written.

    Raises:
        ValueError: No frame.
        VideoReadError: A frame whose size differs from the first one's,
            naming it.
    """
    import cv2
    os.makedirs(osp.dirname(osp.abspath(out_path)), exist_ok=True)
    writer, size, count = None, None, 0
    try:
        for name, image in frames:
            if size is None:
                size = (image.shape[1], image.shape[0])
                writer = cv2.VideoWriter(
                    out_path, cv2.VideoWriter_fourcc(*'mp4v'), fps, size)
            elif (image.shape[1], image.shape[0]) != size:
                raise VideoReadError(
                    name, f'size {image.shape[1]}x{image.shape[0]} differs '
                    f"from the sequence's {size[0]}x{size[1]}")
            writer.write(image)
            count += 1
    finally:
        if writer is not None:
            writer.release()
    if not count:
        raise ValueError(f'{out_path}: no frame to encode')
    return count


def safe_name(name: str) -> str:
    """``name`` with runs of characters other than letters, digits, ``_``,
    ``.`` and ``-`` made ``_`` (annotation lines split on spaces)."""
    return re.sub(r'[^A-Za-z0-9_.-]+', '_', name).strip('_')


def place_video(source: str, out_dir: str, rel: str, link: bool) -> str:
    """Symlink (or copy) a video to ``out_dir/rel``, replacing what is
    there; returns ``rel``."""
    target = osp.join(out_dir, rel)
    os.makedirs(osp.dirname(target), exist_ok=True)
    if osp.lexists(target):
        os.remove(target)
    if link:
        os.symlink(osp.abspath(source), target)
    else:
        shutil.copy2(source, target)
    return rel
