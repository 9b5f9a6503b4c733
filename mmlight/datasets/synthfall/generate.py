"""SynthFall generation: renders planned clips to mp4 and writes MMAction2
``VideoDataset`` annotation files, plus a contact sheet for people.

Each clip draws all of its randomness from its own generator
(:func:`.plan.clip_rng`), so the output does not depend on the number of
worker processes.
"""
import functools
import json
import multiprocessing
import shutil
import time
from pathlib import Path
from typing import (Any, Dict, Iterable, Iterator, Optional, Sequence, Tuple,
                    Union)

import cv2
import numpy as np

from .actions import BINARY_CLASSES, CLASSES, VARIANTS, make_trajectory
from .plan import SPLITS, ClipSpec, plan_clips, room_rng, validate
from .render import render_trajectory

SeedLike = Union[int, np.random.SeedSequence, np.random.Generator]


def render_clip(seed: SeedLike,
                action: str,
                width: int = 160,
                height: int = 120,
                num_frames: int = 48,
                fps: float = 15.0,
                variant: Optional[str] = None,
                room: Optional[np.random.Generator] = None,
                domain: str = 'plain'
                ) -> Tuple[np.ndarray, Dict[str, Any]]:
    """Renders one clip in memory.

    Args:
        seed (int | np.random.SeedSequence | np.random.Generator): Seed or
            generator; the clip is a pure function of it and the arguments.
        action (str): One of :data:`CLASSES`.
        width (int): Frame width. Defaults to 160.
        height (int): Frame height. Defaults to 120.
        num_frames (int): Clip length ``T``. Defaults to 48.
        fps (float): Frame rate. Defaults to 15.
        variant (str, optional): One of ``VARIANTS[action]``; drawn at
            random if None. Defaults to None.
        room (np.random.Generator, optional): Fresh generator of a fixed
            room (:func:`.plan.room_rng`); None gives the clip a room of
            its own. Defaults to None.
        domain (str): ``'plain'`` or ``'home'`` (domain randomisation
            toward real home cameras, :mod:`.home_camera`). Defaults to
            ``'plain'``.

    Returns:
        tuple: RGB frames ``(T, H, W, 3)`` uint8 and JSON-ready metadata:
        ``action``, ``label``, ``binary_label``, ``variant``, ``facing``,
        ``body_height`` and the frames ``event_start``, ``event_end``,
        ``fall_start``, ``fall_end``, ``lying_from`` (None if absent).
    """
    rng = (seed if isinstance(seed, np.random.Generator) else
           np.random.default_rng(seed))
    traj = make_trajectory(action, rng, num_frames, fps, variant)
    frames = render_trajectory(traj, rng, width, height, room=room,
                               domain=domain)
    meta = {'action': action, 'label': CLASSES.index(action),
            'binary_label': int(action == 'fall'), 'variant': traj.variant,
            'facing': int(traj.facing),
            'body_height': round(traj.body.height, 3), **traj.meta}
    return frames, meta


def _write_clip(spec: ClipSpec, out_dir: str) -> Dict[str, Any]:
    """Renders ``spec`` to its mp4 under ``out_dir``; returns its metadata."""
    frames, meta = render_clip(spec.rng(), spec.action, spec.width,
                               spec.height, spec.num_frames, spec.fps,
                               spec.variant, spec.room_rng(), spec.domain)
    meta['room'] = spec.room
    path = Path(out_dir) / spec.path
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'),
                             spec.fps, (spec.width, spec.height))
    if not writer.isOpened():
        raise RuntimeError(f'cv2.VideoWriter cannot open {path}')
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return {'index': spec.index, 'split': spec.split, 'path': spec.path,
            **meta, 'width': spec.width, 'height': spec.height,
            'num_frames': spec.num_frames, 'fps': spec.fps}


def _progress(items: Iterable, total: int, enabled: bool) -> Iterator:
    """Yields ``items`` under a rich progress bar when enabled."""
    try:
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress,
                                   TextColumn, TimeRemainingColumn)
    except ImportError:  # rich comes with mmengine; run quietly without it
        enabled = False
    if not enabled:
        yield from items
        return
    with Progress(TextColumn('SynthFall'), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn()) as bar:
        task = bar.add_task('clips', total=total)
        for item in items:
            yield item
            bar.advance(task)


def generate_dataset(out_dir: Union[str, Path],
                     num_clips: int = 600,
                     seed: int = 0,
                     width: int = 160,
                     height: int = 120,
                     num_frames: int = 48,
                     fps: float = 15.0,
                     split_ratios: Sequence[float] = (0.7, 0.15, 0.15),
                     rooms: int = 0,
                     mixed: bool = False,
                     domain: str = 'plain',
                     workers: int = 1,
                     contact_sheet: Optional[Union[str, Path]] = None,
                     overwrite: bool = False,
                     progress: bool = True) -> Dict[str, Any]:
    """Generates a SynthFall dataset on disk.

    Layout of ``out_dir``: ``videos/<split>/<index:05d>_<action>.mp4``;
    ``<split>.txt`` with lines ``videos/<split>/<file>.mp4 <label>`` (labels
    index :data:`CLASSES`); ``<split>_binary.txt`` (the same clips, label 1
    for 'fall'); ``classes.txt``; ``binary_classes.txt``; ``meta.json`` (the
    arguments and per-clip metadata).

    Args:
        out_dir (str | Path): Output folder.
        num_clips (int): Number of clips, at least one per class.
            Defaults to 600.
        seed (int): Seed; files are a pure function of the arguments other
            than ``workers`` and ``progress``. Defaults to 0.
        width (int): Frame width, even. Defaults to 160.
        height (int): Frame height, even. Defaults to 120.
        num_frames (int): Frames per clip, at least 8. Defaults to 48.
        fps (float): Frame rate. Defaults to 15.
        split_ratios (Sequence[float]): Train/val/test ratios summing to 1.
            Defaults to (0.7, 0.15, 0.15).
        rooms (int): Number of fixed rooms (home cameras) the clips are
            filmed in; each room keeps its camera mounting, walls, floor and
            background chair across clips and splits, as in real fall
            datasets shot in a few rooms. 0 gives every clip a room of its
            own. Defaults to 0.
        mixed (bool): Mixed resolutions and clip lengths (see
            :func:`plan_clips`), for memory-aware batching. Defaults to
            False.
        domain (str): ``'plain'`` (SynthFall's level camera) or
            ``'home'``: every clip randomised toward real wall-mounted home
            cameras (mounting, view down, wide-angle lens, night vision,
            sensor, compression; :mod:`.home_camera`). Defaults to
            ``'plain'``.
        workers (int): Worker processes. Defaults to 1.
        contact_sheet (str | Path, optional): Also write a contact sheet PNG
            there (see :func:`make_contact_sheet`). Defaults to None.
        overwrite (bool): Replace a dataset already in ``out_dir``; without
            it an existing ``meta.json`` raises FileExistsError.
            Defaults to False.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        dict: ``clips``, ``seconds``, ``clips_per_s``, ``workers``,
        ``splits`` and ``classes`` (clip counts), ``out_dir`` and
        ``contact_sheet`` (path or None).
    """
    validate(num_clips, seed, width, height, num_frames, fps, split_ratios,
             workers, rooms, domain)
    out = Path(out_dir)
    if (out / 'meta.json').exists():
        if not overwrite:
            raise FileExistsError(
                f'{out} already holds a dataset; pass overwrite=True')
        shutil.rmtree(out / 'videos', ignore_errors=True)
    specs = plan_clips(num_clips, seed, width, height, num_frames, fps,
                       split_ratios, rooms, mixed, domain)
    for split in SPLITS:
        (out / 'videos' / split).mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    job = functools.partial(_write_clip, out_dir=str(out))
    if workers == 1:
        metas = list(_progress(map(job, specs), len(specs), progress))
    else:
        # No cv2.setNumThreads() in the workers: after a fork it deadlocks
        # on the parent's OpenCV thread pool.
        with multiprocessing.Pool(workers) as pool:
            clips = pool.imap(job, specs, chunksize=4)
            metas = list(_progress(clips, len(specs), progress))
    seconds = time.perf_counter() - start
    for split in SPLITS:
        rows = [m for m in metas if m['split'] == split]
        (out / f'{split}.txt').write_text(''.join(
            f"{m['path']} {m['label']}\n" for m in rows))
        (out / f'{split}_binary.txt').write_text(''.join(
            f"{m['path']} {m['binary_label']}\n" for m in rows))
    (out / 'classes.txt').write_text('\n'.join(CLASSES) + '\n')
    (out / 'binary_classes.txt').write_text('\n'.join(BINARY_CLASSES) + '\n')
    args = {'num_clips': num_clips, 'seed': seed, 'width': width,
            'height': height, 'num_frames': num_frames, 'fps': float(fps),
            'split_ratios': [float(r) for r in split_ratios],
            'rooms': rooms, 'mixed': bool(mixed), 'domain': domain}
    (out / 'meta.json').write_text(json.dumps(
        {'args': args, 'classes': list(CLASSES),
         'binary_classes': list(BINARY_CLASSES),
         'variants': {k: list(v) for k, v in VARIANTS.items()},
         'clips': metas}, indent=1))
    if contact_sheet is not None:
        make_contact_sheet(contact_sheet, seed, width, height, num_frames, fps,
                           rooms=rooms, domain=domain)
    return {'clips': len(metas), 'seconds': seconds,
            'clips_per_s': len(metas) / max(seconds, 1e-9),
            'workers': workers, 'out_dir': str(out),
            'splits': {s: sum(m['split'] == s for m in metas)
                       for s in SPLITS},
            'classes': {c: sum(m['action'] == c for m in metas)
                        for c in CLASSES},
            'contact_sheet': (None if contact_sheet is None else
                              str(contact_sheet))}


def make_contact_sheet(out_png: Union[str, Path],
                       seed: int = 0,
                       width: int = 160,
                       height: int = 120,
                       num_frames: int = 48,
                       fps: float = 15.0,
                       num_cols: int = 6,
                       rooms: int = 0,
                       domain: str = 'plain') -> np.ndarray:
    """Writes a PNG grid that shows every class and fall variant over time.

    One row per class other than 'fall' and one per fall variant; a label
    panel ``width`` wide, then ``num_cols`` frames spread over the clip.

    Args:
        out_png (str | Path): Output PNG; parent folders are created.
        seed (int): Seed. Defaults to 0.
        width (int): Thumbnail width. Defaults to 160.
        height (int): Thumbnail height. Defaults to 120.
        num_frames (int): Clip length. Defaults to 48.
        fps (float): Frame rate. Defaults to 15.
        num_cols (int): Frames per row. Defaults to 6.
        rooms (int): Film the rows in the dataset's fixed rooms (row ``r``
            in room ``r % rooms``), as :func:`generate_dataset` does; 0
            gives each row a room of its own. Defaults to 0.
        domain (str): As in :func:`generate_dataset`. Defaults to
            ``'plain'``.

    Returns:
        np.ndarray: The RGB sheet, shape ``(rows * height,
        (num_cols + 1) * width, 3)`` with
        ``rows = len(CLASSES) - 1 + len(VARIANTS['fall'])``.
    """
    validate(len(CLASSES), seed, width, height, num_frames, fps, (1, 0, 0),
             rooms=rooms, domain=domain)
    if not isinstance(num_cols, int) or not 1 <= num_cols <= num_frames:
        raise ValueError(f'num_cols must be an int in [1, num_frames], '
                         f'got {num_cols!r}')
    rows = [(c, None) for c in CLASSES if c != 'fall']
    rows += [('fall', v) for v in VARIANTS['fall']]
    cols = np.linspace(0, num_frames - 1, num_cols).round().astype(int)
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, height / 240
    sheet = []
    for r, (action, variant) in enumerate(rows):
        seq = np.random.SeedSequence(seed, spawn_key=(2, r))
        room = room_rng(seed, r % rooms) if rooms else None
        frames, meta = render_clip(seq, action, width, height, num_frames,
                                   fps, variant, room, domain)
        label = np.full((height, width, 3), 30, np.uint8)
        for k, text in enumerate((action, meta['variant'])):
            cv2.putText(label, text, (4, int(height * (0.4 + 0.25 * k))),
                        font, max(1.1 * scale, 0.3), (255, 255, 255), 1,
                        cv2.LINE_AA)
        thumbs = [frames[i].copy() for i in cols]
        for i, thumb in zip(cols, thumbs):
            cv2.putText(thumb, f't={i}', (2, height - 4), font,
                        max(0.8 * scale, 0.25), (255, 255, 0), 1, cv2.LINE_AA)
        sheet.append(np.concatenate([label] + thumbs, axis=1))
    sheet = np.concatenate(sheet, axis=0)
    Path(out_png).parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(out_png), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR)):
        raise RuntimeError(f'cannot write {out_png}')
    return sheet
