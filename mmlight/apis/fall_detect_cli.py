"""``tools/demo/fall_detect.py``: run the streaming fall detector on a video
file, a folder of frames or a camera."""
import argparse
import collections
import json
import os
import os.path as osp
import time
from typing import Any, Deque, Dict, Iterable, List, Optional, Tuple

import numpy as np

from .fall_alarm import FallAlarm
from .fall_detector import (OnlineFallDetector, StreamingFallDetector,
                            build_clip_scorer)
from .frame_source import open_frames

__all__ = [
    'build_parser', 'load_detector_config', 'window_from_config',
    'run_stream', 'main'
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    p = argparse.ArgumentParser(
        description='Streaming fall detection: a sliding window over the '
        'last frames of a video, a folder of frames or a camera, with '
        'smoothed scores and one alert per fall')
    p.add_argument('input', help='video file, folder of frames, or camera '
                   'index (0)')
    p.add_argument('config', help='the model\'s config')
    model = p.add_mutually_exclusive_group(required=True)
    model.add_argument('--checkpoint', help='PyTorch .pth, or an exported '
                       'INT8 .pt2')
    model.add_argument('--onnx', help='ONNX model (FP32 or INT8)')
    p.add_argument('--window-seconds', type=float, default=None,
                   help='window span of a 2D/TSM model (TSN segments spread '
                   'over it); a 3D model\'s is its clip (default: the '
                   'config\'s window_frames, else 3.2)')
    p.add_argument('--stride', type=int, default=8,
                   help='frames between windows (default 8)')
    p.add_argument('--fps', type=float, default=0.0,
                   help='frame rate of a folder of frames (default 25) or '
                   'a video without one')
    p.add_argument('--online', action='store_true',
                   help='online TSM (a causal-shift model, --checkpoint): '
                   'each frame through the backbone once, one score a '
                   'segment\'s span; --stride is ignored')
    p.add_argument('--fall-class', default='fall')
    p.add_argument('--on', type=float, default=0.9,
                   help='smoothed probability that raises an alert '
                   '(defaults: chosen on the SynthFall val stream)')
    p.add_argument('--off', type=float, default=0.5,
                   help='smoothed probability below which it ends')
    p.add_argument('--min-on', type=int, default=1,
                   help='windows above --on that raise an alert')
    p.add_argument('--min-off', type=int, default=2,
                   help='windows below --off that end it')
    p.add_argument('--smoothing', type=float, default=1.0,
                   help='weight of the newest window in the moving average '
                   '(1: none)')
    p.add_argument('--threads', type=int, default=0,
                   help='CPU threads (0: the runtime\'s choice)')
    p.add_argument('--out-json', help='write the events as JSON lines')
    p.add_argument('--out-video', help='write an annotated mp4')
    p.add_argument('--gt', help='ground truth (tools/data/make_fall_stream.py'
                   ' JSON): print event precision, recall and delay')
    p.add_argument('--memory-every', type=float, default=60.0,
                   help='sample the resident memory every this many seconds '
                   'of video (default 60; 0: never)')
    return p


def window_from_config(cfg: Any, fps: float,
                       window_seconds: Optional[float]
                       ) -> Tuple[int, int, Tuple[int, int], str]:
    """``(window_frames, num_segments, (W, H), input_format)`` of a config's
    test pipeline: a 3D model's window is its clip (``clip_len *
    frame_interval``), a 2D/TSM model spreads its ``num_clips`` segments
    over ``window_seconds`` (None: the config's ``window_frames`` when it
    has one, the frames its training windows span, else 3.2 s)."""
    from mmlight.utils.complexity import infer_input_shape
    shape = infer_input_shape(cfg)
    pipeline = cfg.test_dataloader.dataset.pipeline
    sampler = next(t for t in pipeline if t['type'] == 'SampleFrames')
    if len(shape) == 6:  # (1, V, C, T, H, W)
        frames = sampler['clip_len'] * sampler.get('frame_interval', 1)
        return frames, shape[3], (shape[5], shape[4]), 'NCTHW'
    segments = shape[1]
    if window_seconds is None:
        # the config's training window (frames), else 3.2 s (SynthFall)
        if cfg.get('window_frames'):
            return (int(cfg.window_frames), segments, (shape[4], shape[3]),
                    'NCHW')
        window_seconds = 3.2
    frames = max(segments, int(round(window_seconds * fps)))
    return frames, segments, (shape[4], shape[3]), 'NCHW'


def load_detector_config(args: argparse.Namespace,
                         more_files: Iterable[Optional[str]] = ()
                         ) -> Tuple[Any, List[str]]:
    """The model's config and class names for a detector command line:
    checks that ``--checkpoint`` / ``--onnx`` and ``more_files`` exist,
    applies ``--threads`` and checks ``--fall-class``.

    Raises:
        FileNotFoundError: A missing file, naming it.
        ValueError: ``--fall-class`` is not one of the config's classes.
    """
    import torch

    from mmlight.deployment.onnx_deploy import load_config
    from mmlight.deployment.recognizer import check_file
    cfg = load_config(args.config)
    for path in (args.checkpoint, args.onnx, *more_files):
        if path is not None:
            check_file(path, 'input file')
    if args.threads:
        torch.set_num_threads(args.threads)
    classes = list(cfg.get('classes') or [])
    if args.fall_class not in classes:
        raise ValueError(f'--fall-class {args.fall_class!r} is not one of '
                         f"the config's classes {classes}")
    return cfg, classes


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
               memory_every: float = 60.0) -> Dict[str, Any]:
    """Feed a stream to a detector, frame by frame.

    Events are appended to ``out_json`` (JSON lines) as they end and
    annotated frames written to ``out_video`` as they come, so nothing but
    the detector's window, the last scores and the latest window latencies
    is held in memory.

    Args:
        frames (Iterable): ``(time in s, HxWx3 BGR frame)`` pairs.
        detector (StreamingFallDetector): The detector.
        fps (float): The stream's frame rate (for the mp4).
        out_json (str, optional): Events as JSON lines. Defaults to None.
        out_video (str, optional): The annotated mp4. Defaults to None.
        memory_every (float): Sample the process's resident memory every
            this many seconds of video; 0 never. Defaults to 60.

    Returns:
        dict: ``frames``, ``windows``, ``seconds`` (wall time),
        ``fps`` (frames per wall second), ``latency_ms`` (mean and p95 of
        a window's preprocessing and model, over the latest
        :data:`~mmlight.apis.fall_detector.LATENCY_WINDOWS` windows),
        ``events`` and ``memory_mb`` (``[video seconds, resident MB]``
        samples, the last at the end).
    """
    import cv2

    from mmlight.evaluation.measure import resident_mb
    memory: List[Tuple[float, float]] = []
    next_sample = memory_every
    t = 0.0
    writer = None
    events: List[Dict[str, float]] = []
    history: Deque[float] = collections.deque(maxlen=120)
    log = open(out_json, 'w') if out_json else None
    count = 0
    start = time.perf_counter()

    def emit(event):
        if event is not None:
            events.append(event)
            if log is not None:
                log.write(json.dumps(event) + '\n')
                log.flush()

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
        events=events)


def main(argv: Optional[List[str]] = None) -> int:
    """Detect falls in a stream; print the events and the speed (and, with
    ``--gt``, event precision, recall and delay).

    Returns:
        int: 0.
    """
    from mmlight.evaluation.stream_metrics import match_fall_events
    args = build_parser().parse_args(argv)
    cfg, classes = load_detector_config(args, (args.gt, ))
    frames, fps = open_frames(args.input, args.fps)
    window, segments, size, fmt = window_from_config(cfg, fps,
                                                     args.window_seconds)
    alarm = FallAlarm(args.on, args.off, args.min_on, args.min_off,
                      args.smoothing)
    if args.online:
        from mmlight.deployment.recognizer import build_recognizer
        if args.checkpoint is None or not args.checkpoint.endswith('.pth'):
            raise ValueError('--online runs a PyTorch checkpoint (.pth) of '
                             'a causal-shift model')
        detector: StreamingFallDetector = OnlineFallDetector(
            build_recognizer(cfg, args.checkpoint), window, segments, size,
            classes.index(args.fall_class), alarm)
    else:
        scorer, preprocessor = build_clip_scorer(cfg, args.checkpoint,
                                                 args.onnx, args.threads)
        detector = StreamingFallDetector(
            scorer, preprocessor, window, segments, size,
            classes.index(args.fall_class), args.stride, fmt, alarm)
    summary = run_stream(frames, detector, fps, args.out_json,
                         args.out_video, args.memory_every)
    for event in summary['events']:
        print(json.dumps(event))
    lat = summary['latency_ms']
    print(f'{summary["frames"]} frames ({summary["frames"] / fps:.1f} s of '
          f'video) in {summary["seconds"]:.1f} s: {summary["fps"]:.1f} '
          f'frames/s end to end; {summary["windows"]} windows of '
          f'{window} frames ({segments} to the model'
          f'{", online" if args.online else ""}), '
          + (f'{lat["mean"]:.1f} ms mean, {lat["p95"]:.1f} ms p95 each; '
             if lat['mean'] is not None else '')
          + f'{len(summary["events"])} fall events')
    memory = summary['memory_mb']
    if len(memory) > 1:
        values = [mb for _, mb in memory]
        print(f'resident memory: {values[0]:.1f} MB at {memory[0][0]:.0f} s'
              f' of video, {values[-1]:.1f} MB at {memory[-1][0]:.0f} s '
              f'(min {min(values):.1f}, max {max(values):.1f}, '
              f'{len(values)} samples)')
    if args.gt:
        with open(args.gt) as f:
            truth = json.load(f)
        m = match_fall_events(summary['events'], truth['falls'])
        print(f'events: precision {m["precision"]:.3f}, recall '
              f'{m["recall"]:.3f} ({m["true_positives"]} of '
              f'{len(truth["falls"])} falls, {m["false_positives"]} false '
              f'alarms), mean delay {m["mean_delay"]:.2f} s')
    return 0
