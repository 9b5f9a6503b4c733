"""Training windows cut from a long video with one annotated fall.

A fall lasts about a second of a video that often runs 10-30 s, so the
whole video is a poor training example: its label says "fall" for the
walking before and the lying after. :func:`cut_windows` cuts fixed-length
windows and labels each by where it lies against the fall:

* **fall**: the window holds at least ``fall_cover`` of the fall's frames
  (the fall happens inside it);
* **no fall**: the window ends before the fall starts (walking, sitting,
  bending: real activities of the same person in the same room), or the
  video has no fall;
* **ignored**: everything else: windows that catch only an edge of the
  fall, and windows of the lying-after-a-fall frames. The person on the
  floor is the consequence of a fall, not a fall nor a daily activity; a
  clip model taught to call it either way learns the room's floor, not the
  motion, and the stream protocol does not score those frames
  (:func:`mmlight.evaluation.stream_metrics.match_fall_events` counts an
  alert up to ``max_delay`` after the fall as its detection).
"""
from dataclasses import dataclass
from typing import List, Optional

__all__ = ['Window', 'cut_windows']


@dataclass(frozen=True)
class Window:
    """A window of a video: frames ``start`` .. ``end`` (0-based, both
    inclusive) and its label (0 no fall, 1 fall)."""
    start: int
    end: int
    label: int


def _positions(first: int, last: int, length: int, stride: int) -> range:
    """Window starts from ``first`` while a window ending by ``last`` fits."""
    return range(first, last - length + 2, stride)


def cut_windows(num_frames: int, length: int,
                fall_start: Optional[int] = None,
                fall_end: Optional[int] = None, stride: int = 8,
                fall_stride: int = 2, fall_cover: float = 0.6
                ) -> List[Window]:
    """Cut a video into labelled windows.

    Args:
        num_frames (int): Frames in the video (decoded, not annotated).
        length (int): Frames in a window.
        fall_start (int, optional): First frame of the fall (0-based), or
            None for a video without a fall. Defaults to None.
        fall_end (int, optional): Last frame of the fall. Defaults to None.
        stride (int): Frames between no-fall windows. Defaults to 8.
        fall_stride (int): Frames between fall windows (denser: a video
            holds one fall and many no-fall frames). Defaults to 2.
        fall_cover (float): Share of the fall's frames a fall window must
            hold, in (0, 1]. Defaults to 0.6.

    Returns:
        list[Window]: No-fall windows, then fall windows, each in time
        order. A video shorter than ``length`` gives none.

    Raises:
        ValueError: A bad length, stride, cover, or fall frames outside the
            video.

    Examples:
        >>> [w.label for w in cut_windows(40, 16, 20, 27, stride=8,
        ...                              fall_stride=4)]
        [0, 1, 1, 1, 1]
    """
    for name, value in (('num_frames', num_frames), ('length', length),
                        ('stride', stride), ('fall_stride', fall_stride)):
        if isinstance(value, bool) or not isinstance(value, int) or \
                value < (0 if name == 'num_frames' else 1):
            raise ValueError(f'{name} must be a positive int, got {value!r}')
    if not 0.0 < fall_cover <= 1.0:
        raise ValueError(f'fall_cover must be in (0, 1], got {fall_cover!r}')
    if (fall_start is None) != (fall_end is None):
        raise ValueError('give both fall_start and fall_end, or neither')
    if fall_start is None:
        return [Window(s, s + length - 1, 0)
                for s in _positions(0, num_frames - 1, length, stride)]
    if not 0 <= fall_start <= fall_end < num_frames:
        raise ValueError(f'fall frames {fall_start}..{fall_end} outside the '
                         f'video (0..{num_frames - 1})')
    windows = [Window(s, s + length - 1, 0)
               for s in _positions(0, fall_start - 1, length, stride)]
    fall_len = fall_end - fall_start + 1
    # a fall longer than the window: a window wholly inside it counts
    need = min(length, max(1, int(round(fall_cover * fall_len))))
    for s in range(max(0, fall_start - length + 1),
                   min(fall_end, num_frames - length) + 1, fall_stride):
        e = s + length - 1
        covered = min(e, fall_end) - max(s, fall_start) + 1
        if covered >= need:
            windows.append(Window(s, e, 1))
    return windows
