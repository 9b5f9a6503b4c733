"""Feed a stream of frames to a fall detector: events out as they end,
an annotated video, the speed and memory of the run
(:func:`run_stream`, behind ``tools/demo/fall_detect.py``)."""
import collections
import json
import os
import os.path as osp
import time
from typing import (Any, Callable, Deque, Dict, Iterable, List, Optional,
                    Tuple)

import numpy as np

from .fall_detector import StreamingFallDetector

__all__ = ['run_stream']


def _draw(frame: np.ndarray, history: Iterable[float], alert: bool,
          probability: Optional[float], on: float) -> np.ndarray:
    """The frame with the fall probability, its recent curve and, during
    an alert, a banner."""
    import cv2
    out = frame.copy()
    h, w = out.shape[:2]
    plot_h = max(16, h // 5)
    cv2.rectangle(out, (0, h - plot_h), (w, h), (30, 30, 30), -1)
    values = list(history)
    if len(values) > 1:
        xs = np.linspace(0, w - 1, len(values))
        ys = h - 2 - np.asarray(values) * (plot_h - 4)
        pts = np.stack([xs, ys], 1).astype(np.int32)
        cv2.polylines(out, [pts], False, (0, 200, 255), 1)
    y_on = int(h - 2 - on * (plot_h - 4))
    cv2.line(out, (0, y_on), (w, y_on), (80, 80, 255), 1)
    scale = max(0.3, h / 400)
    if probability is not None:
        cv2.putText(out, f'p(fall)={probability:.2f}', (4, h - plot_h - 4),
                    cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1)
    if alert:
        cv2.rectangle(out, (0, 0), (w, max(14, h // 8)), (0, 0, 220), -1)
        cv2.putText(out, 'FALL DETECTED', (4, max(11, h // 8) - 3),
                    cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1)
    return out


def run_stream(frames: Iterable[Tuple[float, np.ndarray]],
               detector: StreamingFallDetector, fps: float,
               out_json: Optional[str] = None,
               out_video: Optional[str] = None,
               memory_every: float = 60.0,
               on_event: Optional[Callable[[Dict[str, float]], None]] = None
               ) -> Dict[str, Any]:
    """Feed a stream to a detector, frame by frame.

    Events are appended to ``out_json`` (JSON lines) and handed to
    ``on_event`` as they end, and annotated frames written to
    ``out_video`` as they come, so nothing but the detector's window, the
    last scores and the latest window latencies is held in memory.

    A ``KeyboardInterrupt`` (Ctrl-C: how a camera stream ends) ends the
    stream as its last frame would: the open event is closed, the files
    are complete and the summary covers the frames seen, with
    ``interrupted`` set.

    Args:
        frames (Iterable): ``(time in s, HxWx3 BGR frame)`` pairs.
        detector (StreamingFallDetector): The detector.
        fps (float): The stream's frame rate (for the mp4).
        out_json (str, optional): Events as JSON lines. Defaults to None.
        out_video (str, optional): The annotated mp4. Defaults to None.
        memory_every (float): Sample the process's resident memory every
            this many seconds of video; 0 never. Defaults to 60.
        on_event (Callable, optional): Called with each event as it ends
            (``start``, ``end``, ``peak``). Defaults to None.

    Returns:
        dict: ``frames``, ``windows``, ``seconds`` (wall time),
        ``fps`` (frames per wall second), ``latency_ms`` (mean and p95 of
        a window's preprocessing and model, over the latest
        :data:`~mmlight.apis.fall_detector.LATENCY_WINDOWS` windows),
        ``events``, ``memory_mb`` (``[video seconds, resident MB]``
        samples, the last at the end), ``last_time`` (the last frame's
        time, s) and ``interrupted`` (whether Ctrl-C ended it).
    """
    import cv2

    from mmlight.measure.runtime import resident_mb
    memory: List[Tuple[float, float]] = []
    next_sample = memory_every
    t = 0.0
    writer = None
    events: List[Dict[str, float]] = []
    history: Deque[float] = collections.deque(maxlen=120)
    log = open(out_json, 'w') if out_json else None
    count = 0
    interrupted = False
    start = time.perf_counter()

    def emit(event):
        if event is not None:
            events.append(event)
            if log is not None:
                log.write(json.dumps(event) + '\n')
                log.flush()
            if on_event is not None:
                on_event(event)

    try:
        try:
            for t, frame in frames:
                probability, event = detector.push(t, frame)
                emit(event)
                count += 1
                if probability is not None:
                    history.append(detector.alarm.score)
                if memory_every and t >= next_sample:
                    rss = resident_mb()
                    if rss is not None:
                        memory.append((float(t), rss))
                    next_sample += memory_every
                if out_video:
                    if writer is None:
                        os.makedirs(osp.dirname(osp.abspath(out_video)),
                                    exist_ok=True)
                        writer = cv2.VideoWriter(
                            out_video, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                            (frame.shape[1], frame.shape[0]))
                    writer.write(_draw(frame, history, detector.alarm.active,
                                       detector.last_probability,
                                       detector.alarm.on_threshold))
        except KeyboardInterrupt:
            interrupted = True
        emit(detector.finish())
    finally:
        if writer is not None:
            writer.release()
        if log is not None:
            log.close()
    seconds = time.perf_counter() - start
    rss = resident_mb() if memory_every else None
    if rss is not None:
        memory.append((float(t), rss))
    lat = np.asarray(detector.latencies) * 1000
    return dict(
        memory_mb=memory,
        frames=count, windows=detector.windows, seconds=seconds,
        fps=count / seconds if seconds else float('nan'),
        latency_ms=dict(mean=float(lat.mean()) if len(lat) else None,
                        p95=float(np.percentile(lat, 95))
                        if len(lat) else None),
        events=events, last_time=float(t), interrupted=interrupted)
