"""Event-level evaluation of the streaming fall detector over whole
annotated videos (the converted Le2i ``<split>_videos.txt`` + ``meta.json``).

The protocol, per video, in video time (frame / fps):

* a video's fall is ``[fall_start, fall_end + 1) / fps``; an alert that
  starts between ``early`` s before it and ``max_delay`` s after its end
  detects it (:func:`~mmlight.evaluation.stream_metrics.match_fall_events`);
  the delay is the alert's start minus the fall's start;
* an alert that starts before that (or in a video with no fall) is a
  **false alarm**; false alarms per hour divide by the no-fall footage:
  whole no-fall videos plus the part of each fall video before its fall;
* an alert that starts later, while the person lies on the floor after the
  fall, is counted apart (``post_fall_alerts``): the person is down, so it
  is neither a false alarm nor a second fall.

Scoring a video once (:func:`score_video`) and replaying the alarm on the
scores (:func:`replay_alarm`) lets thresholds be chosen on the val videos
(:func:`choose_alarm`) without running the model again.
"""
import itertools
import json
import os.path as osp
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmlight.apis.fall_alarm import FallAlarm
from mmlight.evaluation.stream_metrics import match_fall_events

__all__ = [
    'ALARM_GRID', 'choose_alarm', 'event_figures', 'load_videos',
    'replay_alarm', 'score_video'
]

#: The alarm settings searched on the val videos.
ALARM_GRID = dict(on_threshold=(0.5, 0.6, 0.7, 0.8, 0.9, 0.95),
                  min_on=(1, 2, 3), smoothing=(1.0, 0.6))


def load_videos(data_root: str, split: str) -> List[Dict[str, Any]]:
    """The whole videos of a converted split with their falls.

    Args:
        data_root (str): The converter's output (``meta.json`` in it).
        split (str): ``'train'``, ``'val'`` or ``'test'``.

    Returns:
        list[dict]: ``path`` (absolute), ``fps``, ``num_frames``,
        ``fall_start`` / ``fall_end`` (frames or None), ``label``.

    Raises:
        FileNotFoundError: No ``meta.json``.
        ValueError: The split holds no video, or a video has no fps.
    """
    meta_file = osp.join(data_root, 'meta.json')
    if not osp.isfile(meta_file):
        raise FileNotFoundError(f'{meta_file} not found: convert the dataset '
                                'first (tools/data/convert_fall_dataset.py)')
    with open(meta_file) as f:
        meta = json.load(f)
    videos = [dict(path=osp.join(data_root, c['path']), fps=c['fps'],
                   num_frames=c['num_frames'], fall_start=c['fall_start'],
                   fall_end=c['fall_end'], label=c['label'])
              for c in meta['clips'] if c['split'] == split]
    if not videos:
        raise ValueError(f'{meta_file}: no video in split {split!r}')
    for v in videos:
        if not v['fps']:
            raise ValueError(f'{meta_file}: {v["path"]} has no fps')
    return videos


def score_video(detector_factory: Callable[[], Any], path: str,
                fps: float) -> Tuple[np.ndarray, np.ndarray, Dict]:
    """Run a fresh detector over a whole video, keeping every window's
    fall probability (its own alarm is not used here).

    Args:
        detector_factory (Callable): Makes a
            :class:`~mmlight.apis.StreamingFallDetector`.
        path (str): The video.
        fps (float): Its frame rate.

    Returns:
        tuple: ``(times, probabilities)`` of the scored windows (each
        window's last frame, in s) and ``frames``, ``windows`` and
        ``latency_ms`` (the mean of a window's preprocessing and model;
        None without a window).
    """
    from mmlight.apis.frame_source import open_frames
    detector = detector_factory()
    times: List[float] = []
    probs: List[float] = []
    frames, _ = open_frames(path, fps)
    count = 0
    for t, frame in frames:
        probability, _ = detector.push(t, frame)
        count += 1
        if probability is not None:
            times.append(t)
            probs.append(probability)
    latency = (1000 * float(np.mean(detector.latencies))
               if detector.latencies else None)
    return np.asarray(times), np.asarray(probs), dict(
        frames=count, windows=detector.windows, latency_ms=latency)


def replay_alarm(times: Sequence[float], probs: Sequence[float],
                 **alarm_cfg) -> List[Dict[str, float]]:
    """The events a :class:`FallAlarm` raises on recorded window scores."""
    alarm = FallAlarm(**alarm_cfg)
    events = [e for e in (alarm.update(float(t), float(p))
                          for t, p in zip(times, probs)) if e is not None]
    last = alarm.flush()
    return events + ([last] if last is not None else [])


def event_figures(videos: Sequence[Dict[str, Any]],
                  events: Sequence[Sequence[Dict[str, float]]],
                  max_delay: float = 3.0, early: float = 0.5
                  ) -> Dict[str, Any]:
    """Event precision, recall, delay and false alarms per hour.

    Args:
        videos (Sequence[dict]): From :func:`load_videos`.
        events (Sequence[list]): Each video's alerts (``start`` in s).
        max_delay (float): See :func:`match_fall_events`. Defaults to 3.0.
        early (float): See :func:`match_fall_events`. Defaults to 0.5.

    Returns:
        dict: ``falls``, ``detected``, ``recall``, ``precision`` (detections
        over detections plus false alarms), ``mean_delay`` (s),
        ``false_alarms``, ``no_fall_hours``, ``false_alarms_per_hour``,
        ``post_fall_alerts`` and ``missed`` (the videos whose fall was not
        detected).
    """
    falls = detected = false_alarms = post_fall = 0
    delays: List[float] = []
    no_fall_s = 0.0
    missed = []
    for video, alerts in zip(videos, events):
        fps = video['fps']
        if video['fall_start'] is None:
            false_alarms += len(alerts)
            no_fall_s += video['num_frames'] / fps
            continue
        start = video['fall_start'] / fps
        fall = dict(start=start, end=(video['fall_end'] + 1) / fps)
        falls += 1
        no_fall_s += max(0.0, start - early)
        m = match_fall_events(alerts, [fall], max_delay, early)
        detected += m['true_positives']
        delays += m['delays']
        if not m['true_positives']:
            missed.append(video['path'])
        matched = m['true_positives']
        for alert in alerts:
            if alert['start'] < start - early:
                false_alarms += 1
            elif alert['start'] > fall['end'] + max_delay:
                post_fall += 1
            elif matched:
                matched -= 1
            else:  # a second alert within the same fall
                post_fall += 1
    hours = no_fall_s / 3600
    return dict(
        falls=falls, detected=detected,
        recall=detected / falls if falls else float('nan'),
        precision=detected / (detected + false_alarms)
        if detected + false_alarms else float('nan'),
        mean_delay=float(np.mean(delays)) if delays else float('nan'),
        false_alarms=false_alarms, no_fall_hours=hours,
        false_alarms_per_hour=false_alarms / hours if hours else float('nan'),
        post_fall_alerts=post_fall, missed=missed)


def choose_alarm(videos: Sequence[Dict[str, Any]],
                 scores: Sequence[Tuple[np.ndarray, np.ndarray]],
                 max_false_alarms_per_hour: float = 1.0,
                 grid: Optional[Dict[str, Sequence]] = None,
                 max_delay: float = 3.0, early: float = 0.5
                 ) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """Pick the alarm settings on recorded scores (the val videos).

    Among the settings of ``grid`` whose false alarms per hour are at most
    ``max_false_alarms_per_hour``, the one with the highest recall, then
    the lowest mean delay, then the highest threshold; when none is that
    quiet, the one with the fewest false alarms, then the highest recall.

    Args:
        videos (Sequence[dict]): From :func:`load_videos`.
        scores (Sequence[tuple]): ``(times, probabilities)`` per video.
        max_false_alarms_per_hour (float): The false-alarm budget.
            Defaults to 1.0.
        grid (dict, optional): Settings to try, ``FallAlarm`` argument to
            values. Defaults to :data:`ALARM_GRID`.
        max_delay (float): Defaults to 3.0.
        early (float): Defaults to 0.5.

    Returns:
        tuple: The chosen ``FallAlarm`` arguments and their figures.
    """
    grid = grid or ALARM_GRID
    names = list(grid)
    best, best_key, best_figs = None, None, None
    for values in itertools.product(*(grid[n] for n in names)):
        cfg = dict(zip(names, values))
        cfg.setdefault('off_threshold', round(0.6 * cfg['on_threshold'], 3))
        events = [replay_alarm(t, p, **cfg) for t, p in scores]
        figs = event_figures(videos, events, max_delay, early)
        fa = figs['false_alarms_per_hour']
        quiet = not fa > max_false_alarms_per_hour
        delay = figs['mean_delay'] if figs['detected'] else float('inf')
        key = (quiet, -fa if not quiet else 0.0, figs['recall'], -delay,
               cfg['on_threshold'])
        if best_key is None or key > best_key:
            best, best_key, best_figs = cfg, key, figs
    return best, best_figs
