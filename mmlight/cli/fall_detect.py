"""``tools/demo/fall_detect.py``: run the streaming fall detector on a video
file, a folder of frames or a camera."""
import argparse
import json
import sys
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from mmlight.apis.fall_alarm import FallAlarm
from mmlight.apis.fall_detector import (OnlineFallDetector,
                                        StreamingFallDetector,
                                        build_clip_scorer)
from mmlight.apis.frame_source import open_frames
from mmlight.apis.stream_runner import run_stream

__all__ = [
    'build_parser', 'load_detector_config', 'window_from_config', 'main',
    'EXIT_INTERRUPTED'
]

#: :func:`main`'s exit status after Ctrl-C: 128 + SIGINT, what a shell
#: reports for a process that SIGINT ended.
EXIT_INTERRUPTED = 130


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
    p.add_argument('--int8-runtime', choices=['inductor', 'reference'],
                   default='inductor',
                   help='how an INT8 .pt2 runs: compiled by inductor at '
                   'start-up (default) or its q/dq ops as they are '
                   '(reference, for debugging)')
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
    from mmlight.measure.complexity import infer_input_shape
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

    from mmlight.utils.checkpoint_io import check_file
    from mmlight.utils import load_config
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


def _print_summary(summary: Dict[str, Any], args: argparse.Namespace,
                   fps: float, window: int, segments: int) -> None:
    """The lines :func:`main` prints at the end of a stream."""
    from mmlight.evaluation.stream_metrics import match_fall_events
    seen = summary['last_time']
    if summary['interrupted']:
        print(f'interrupted (Ctrl-C) at {seen:.1f} s of video: what was '
              'seen so far')
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
            falls = json.load(f)['falls']
        where = ''
        if summary['interrupted']:  # score the part of the video seen
            falls = [fall for fall in falls if fall['start'] <= seen]
            where = f' in the {seen:.1f} s seen'
        m = match_fall_events(summary['events'], falls)
        # n/a, not nan: no alarm (precision) or no fall found (delay)
        from mmlight.reports.common import format_cell
        print(f'events: precision {format_cell(m["precision"], ".3f")}, '
              f'recall {format_cell(m["recall"], ".3f")} '
              f'({m["true_positives"]} of {len(falls)} falls{where}, '
              f'{m["false_positives"]} false alarms), mean delay '
              f'{format_cell(m["mean_delay"], ".2f")} s')


def _print_event(event: Dict[str, float]) -> None:
    # flushed: a camera never ends, and stdout may be a pipe
    print(json.dumps(event), flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Detect falls in a stream; print each event (a JSON line) as it
    ends, then the speed (and, with ``--gt``, event precision, recall and
    delay).

    Ctrl-C ends the stream: the summary of the frames seen is printed and
    the output files are complete (:func:`run_stream`).

    Returns:
        int: 0; :data:`EXIT_INTERRUPTED` (130) after Ctrl-C. A missing
        file, a camera or video that cannot be opened and bad arguments
        exit with status 2 and a one-line message, as other mmlight
        tools do (``parser.error``).
    """
    from mmlight.datasets.errors import VideoReadError
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        cfg, classes = load_detector_config(args, (args.gt, ))
        if args.online and (args.checkpoint is None
                            or not args.checkpoint.endswith('.pth')):
            raise ValueError('--online runs a PyTorch checkpoint (.pth) of '
                             'a causal-shift model')
        alarm = FallAlarm(args.on, args.off, args.min_on, args.min_off,
                          args.smoothing)
        frames, fps = open_frames(args.input, args.fps)
    except (FileNotFoundError, ValueError, VideoReadError) as e:
        parser.error(str(e))
    try:
        window, segments, size, fmt = window_from_config(
            cfg, fps, args.window_seconds)
        if args.online:
            from mmlight.deployment.recognizer import build_recognizer
            detector: StreamingFallDetector = OnlineFallDetector(
                build_recognizer(cfg, args.checkpoint), window, segments,
                size, classes.index(args.fall_class), alarm)
        else:
            scorer, preprocessor = build_clip_scorer(
                cfg, args.checkpoint, args.onnx, args.threads,
                args.int8_runtime)
            detector = StreamingFallDetector(
                scorer, preprocessor, window, segments, size,
                classes.index(args.fall_class), args.stride, fmt, alarm)
    except KeyboardInterrupt:  # while the model loads: nothing seen yet
        print('interrupted (Ctrl-C) before the stream started',
              file=sys.stderr)
        return EXIT_INTERRUPTED
    summary = run_stream(frames, detector, fps, args.out_json,
                         args.out_video, args.memory_every,
                         on_event=_print_event)
    _print_summary(summary, args, fps, window, segments)
    return EXIT_INTERRUPTED if summary['interrupted'] else 0
