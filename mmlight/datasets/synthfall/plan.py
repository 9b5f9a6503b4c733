"""Clip planning for SynthFall: classes, variants, splits and per-clip sizes,
decided before anything is rendered."""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

from .actions import CLASSES, VARIANTS
from .home_camera import DOMAINS

SPLITS: Tuple[str, ...] = ('train', 'val', 'test')
#: Frame-size scales and clip-length factors of a mixed dataset. The scales
#: avoid frame widths of 48 and 72 at the default sizes (64x48, 160x120):
#: decord 0.6 fails on mp4v videos of some widths (16, 24, 48, 72 seen).
MIXED_SCALES: Tuple[float, ...] = (0.625, 0.875, 1.0, 1.25)
MIXED_LENGTHS: Tuple[float, ...] = (0.75, 1.0, 1.5)


@dataclass(frozen=True)
class ClipSpec:
    """Everything needed to render one clip.

    Sizes are resolved per clip, so mixed resolutions or clip lengths only
    need a change in :func:`plan_clips`.
    """

    index: int
    action: str
    variant: str
    split: str
    seed: int
    width: int
    height: int
    num_frames: int
    fps: float
    room: int = -1
    domain: str = 'plain'

    @property
    def path(self) -> str:
        """Video path relative to the dataset root."""
        return f'videos/{self.split}/{self.index:05d}_{self.action}.mp4'

    def rng(self) -> np.random.Generator:
        """The clip's own random generator, independent of other clips."""
        return clip_rng(self.seed, self.index)

    def room_rng(self) -> Optional[np.random.Generator]:
        """A fresh generator of the clip's room; None without rooms."""
        return None if self.room < 0 else room_rng(self.seed, self.room)


def clip_rng(seed: int, index: int) -> np.random.Generator:
    """Random generator of clip ``index`` of a dataset made with ``seed``."""
    seq = np.random.SeedSequence(seed, spawn_key=(0, index))
    return np.random.default_rng(seq)


def room_rng(seed: int, room: int) -> np.random.Generator:
    """Fresh random generator of fixed room ``room`` of a dataset made with
    ``seed``: every clip filmed there draws the same room from it."""
    seq = np.random.SeedSequence(seed, spawn_key=(3, room))
    return np.random.default_rng(seq)


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


def validate(num_clips: int,
             seed: int,
             width: int,
             height: int,
             num_frames: int,
             fps: float,
             split_ratios: Sequence[float],
             workers: int = 1,
             rooms: int = 0,
             domain: str = 'plain') -> None:
    """Raises ValueError naming the first bad generation argument."""
    _check(isinstance(num_clips, int) and num_clips >= len(CLASSES),
           f'num_clips must be an int >= {len(CLASSES)} (one per class), '
           f'got {num_clips!r}')
    _check(isinstance(seed, int) and seed >= 0,
           f'seed must be an int >= 0, got {seed!r}')
    for name, v in (('width', width), ('height', height)):
        _check(isinstance(v, int) and v >= 16 and v % 2 == 0,
               f'{name} must be an even int >= 16 (mp4 needs even sizes), '
               f'got {v!r}')
    _check(isinstance(num_frames, int) and num_frames >= 8,
           f'num_frames must be an int >= 8, got {num_frames!r}')
    _check(fps > 0, f'fps must be > 0, got {fps!r}')
    r = np.asarray(split_ratios, dtype=float)
    _check(r.shape == (3, ) and (r >= 0).all() and r[0] > 0
           and abs(r.sum() - 1) < 1e-6,
           'split_ratios must be 3 non-negative (train, val, test) ratios '
           f'summing to 1 with train > 0, got {tuple(split_ratios)!r}')
    _check(isinstance(workers, int) and workers >= 1,
           f'workers must be an int >= 1, got {workers!r}')
    _check(isinstance(rooms, int) and rooms >= 0,
           f'rooms must be an int >= 0 (0: a room per clip), got {rooms!r}')
    _check(domain in DOMAINS,
           f'domain must be one of {list(DOMAINS)}, got {domain!r}')


def _split_counts(sizes: Sequence[int],
                  ratios: Sequence[float]) -> List[np.ndarray]:
    """Per-class split sizes; rounding leftovers go where the running totals
    lag most, so that the totals follow ``ratios`` too."""
    ratios = np.asarray(ratios, dtype=float)
    total, seen, out = np.zeros(3), 0, []
    for n in sizes:
        seen += n
        cnt = np.floor(ratios * n).astype(int)
        for _ in range(n - cnt.sum()):
            lag = np.where(ratios > 0, ratios * seen - total - cnt, -np.inf)
            cnt[int(np.argmax(lag))] += 1
        total += cnt
        out.append(cnt)
    return out


def _spread(counts: Sequence[int]) -> List[int]:
    """Split ids with the given counts, evenly interleaved."""
    counts = np.asarray(counts)
    n, used, seq = counts.sum(), np.zeros(len(counts)), []
    for i in range(n):
        k = int(np.argmax(counts * (i + 1) / n - used))
        used[k] += 1
        seq.append(k)
    return seq


def plan_clips(num_clips: int = 600,
               seed: int = 0,
               width: int = 160,
               height: int = 120,
               num_frames: int = 48,
               fps: float = 15.0,
               split_ratios: Sequence[float] = (0.7, 0.15, 0.15),
               rooms: int = 0,
               mixed: bool = False,
               domain: str = 'plain') -> List[ClipSpec]:
    """Assigns class, variant, split and size to every clip.

    Classes are balanced (counts differ by at most one), every class is
    split by ``split_ratios`` and, within a class, every variant is spread
    over the splits. Clip indices are shuffled so classes interleave.

    Args:
        num_clips (int): Number of clips. Defaults to 600.
        seed (int): Seed. Defaults to 0.
        width (int): Frame width. Defaults to 160.
        height (int): Frame height. Defaults to 120.
        num_frames (int): Frames per clip. Defaults to 48.
        fps (float): Frame rate. Defaults to 15.
        split_ratios (Sequence[float]): Train/val/test ratios.
            Defaults to (0.7, 0.15, 0.15).
        rooms (int): Fixed rooms to film in, each clip drawn uniformly; 0
            gives every clip a room of its own. Defaults to 0.
        mixed (bool): Mixed resolutions and lengths: each clip's frame size
            is ``width x height`` scaled by one of :data:`MIXED_SCALES`
            (rounded to even) and its length ``num_frames`` by one of
            :data:`MIXED_LENGTHS` (at least 8), drawn per clip. Defaults to
            False (every clip the same size).
        domain (str): How every clip is filmed: ``'plain'`` or ``'home'``
            (see :func:`~.render.render_trajectory`). Defaults to
            ``'plain'``.

    Returns:
        list[ClipSpec]: Clips ordered by index.
    """
    validate(num_clips, seed, width, height, num_frames, fps, split_ratios,
             rooms=rooms, domain=domain)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, )))
    sizes = np.full(len(CLASSES), num_clips // len(CLASSES))
    sizes[rng.permutation(len(CLASSES))[:num_clips % len(CLASSES)]] += 1
    plan = []
    for action, n, counts in zip(CLASSES, sizes,
                                 _split_counts(sizes, split_ratios)):
        vs = VARIANTS[action]  # grouped by variant, each group spread out
        variants = sorted((vs[k % len(vs)] for k in range(n)), key=vs.index)
        plan += [(action, v, SPLITS[s])
                 for v, s in zip(variants, _spread(counts))]
    order = rng.permutation(num_clips)
    # A separate stream, so that rooms=0 plans exactly as before.
    room_ids = (np.random.default_rng(np.random.SeedSequence(
        seed, spawn_key=(4, ))).integers(rooms, size=num_clips)
                if rooms else np.full(num_clips, -1))
    dims = [(width, height, num_frames)] * num_clips
    if mixed:  # a stream of its own: mixed=False plans exactly as before
        mix = np.random.default_rng(np.random.SeedSequence(
            seed, spawn_key=(5, )))
        scales = mix.choice(MIXED_SCALES, size=num_clips)
        lengths = mix.choice(MIXED_LENGTHS, size=num_clips)
        dims = [(_even(width * sc), _even(height * sc),
                  max(8, int(round(num_frames * ln))))
                 for sc, ln in zip(scales, lengths)]
    return [ClipSpec(i, *plan[j], seed=seed, width=dims[i][0],
                     height=dims[i][1], num_frames=dims[i][2],
                     fps=float(fps), room=int(room_ids[i]), domain=domain)
            for i, j in enumerate(order)]


def _even(value: float) -> int:
    """The nearest even int, at least 16 (what mp4 and validate accept)."""
    return max(16, 2 * int(round(value / 2)))
