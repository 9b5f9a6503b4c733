"""``tools/analysis/stream_eval.py``: the streaming fall detector over every
whole video of a converted split, scored against the annotated falls
(:mod:`mmlight.evaluation.stream_eval`): choose the alarm on the val
videos, report it on the test videos."""
import argparse
import json
import os
import os.path as osp
import time
from typing import Optional, Sequence

import numpy as np

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    p = argparse.ArgumentParser(
        description='Run the streaming fall detector over the whole videos '
        'of a converted split (meta.json of tools/data/convert_fall_dataset.'
        'py) and score its alerts against the annotated falls: event '
        'precision, recall, mean delay, false alarms per hour of no-fall '
        'video. --choose picks the alarm settings on this split (use the '
        'val split) and writes them; --alarm applies them (the test split).')
    p.add_argument('config', help="the model's config")
    model = p.add_mutually_exclusive_group(required=True)
    model.add_argument('--checkpoint', help='PyTorch .pth or INT8 .pt2')
    model.add_argument('--onnx', help='ONNX model (FP32 or INT8)')
    p.add_argument('--data-root', required=True,
                   help='the converted dataset (meta.json)')
    p.add_argument('--split', default='test', help='default test')
    p.add_argument('--choose', metavar='JSON',
                   help='choose the alarm settings on this split, write them')
    p.add_argument('--alarm', metavar='JSON',
                   help='alarm settings to apply (written by --choose)')
    p.add_argument('--max-fa-per-hour', type=float, default=1.0,
                   help='false-alarm budget of --choose (default 1)')
    p.add_argument('--stride', type=int, default=4,
                   help='frames between windows (default 4)')
    p.add_argument('--window-seconds', type=float, default=None,
                   help="default: the config's window_frames")
    p.add_argument('--threads', type=int, default=0,
                   help='CPU threads (0: the runtime\'s choice)')
    p.add_argument('--int8-runtime', choices=['inductor', 'reference'],
                   default='inductor',
                   help='how an INT8 .pt2 runs (default: compiled by '
                   'inductor)')
    p.add_argument('--fall-class', default='fall')
    p.add_argument('--out', metavar='JSON',
                   help='write the figures, settings and per-video alerts')
    return p


def _fmt(figs: dict) -> str:
    return (f'recall {figs["recall"]:.3f} ({figs["detected"]}/'
            f'{figs["falls"]} falls), precision {figs["precision"]:.3f}, '
            f'mean delay {figs["mean_delay"]:.2f} s, {figs["false_alarms"]} '
            f'false alarms in {figs["no_fall_hours"] * 60:.1f} min of no-fall '
            f'video ({figs["false_alarms_per_hour"]:.2f} / h), '
            f'{figs["post_fall_alerts"]} post-fall alerts')


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Score the split; choose or apply the alarm; print the figures.

    Returns:
        int: 0.
    """
    from mmlight.apis.fall_detector import (StreamingFallDetector,
                                            build_clip_scorer)
    from mmlight.cli.fall_detect import (load_detector_config,
                                         window_from_config)
    from mmlight.evaluation.stream_eval import (choose_alarm, event_figures,
                                                load_videos, replay_alarm,
                                                score_video)
    args = build_parser().parse_args(argv)
    if (args.choose is None) == (args.alarm is None):
        raise SystemExit('give one of --choose (pick the alarm on this '
                         'split) and --alarm (apply settings)')
    cfg, classes = load_detector_config(args, (args.alarm, ))
    videos = load_videos(args.data_root, args.split)
    scorer, preprocessor = build_clip_scorer(cfg, args.checkpoint, args.onnx,
                                             args.threads, args.int8_runtime)
    scores, frames, seconds, latencies = [], 0, 0.0, []
    start = time.perf_counter()
    for i, video in enumerate(videos, 1):
        window, segments, size, fmt = window_from_config(
            cfg, video['fps'], args.window_seconds)

        def factory():
            return StreamingFallDetector(
                scorer, preprocessor, window, segments, size,
                classes.index(args.fall_class), args.stride, fmt)

        times, probs, summary = score_video(factory, video['path'],
                                            video['fps'])
        scores.append((times, probs))
        frames += summary['frames']
        seconds += summary['frames'] / video['fps']
        if summary['latency_ms'] is not None:
            latencies.append(summary['latency_ms'])
        print(f'[{i}/{len(videos)}] {osp.basename(video["path"])}: '
              f'{summary["windows"]} windows, max p(fall) '
              f'{probs.max() if len(probs) else float("nan"):.2f}',
              flush=True)
    wall = time.perf_counter() - start
    if args.choose:
        alarm, _ = choose_alarm(videos, scores, args.max_fa_per_hour)
        os.makedirs(osp.dirname(osp.abspath(args.choose)), exist_ok=True)
        with open(args.choose, 'w') as f:
            json.dump(dict(alarm=alarm, chosen_on=args.split,
                           stride=args.stride), f, indent=1)
        print(f'alarm chosen on {args.split}: {alarm}')
    else:
        with open(args.alarm) as f:
            alarm = json.load(f)['alarm']
    events = [replay_alarm(t, p, **alarm) for t, p in scores]
    figs = event_figures(videos, events)
    print(f'{args.split}: {len(videos)} videos, {frames} frames '
          f'({seconds / 60:.1f} min) in {wall:.1f} s '
          f'({frames / wall:.0f} frames/s, {np.mean(latencies):.1f} ms a '
          f'window): {_fmt(figs)}')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(split=args.split, alarm=alarm, figures=figs,
                           frames=frames, wall_s=wall,
                           videos=[dict(path=v['path'],
                                        fall_start=v['fall_start'],
                                        fall_end=v['fall_end'], fps=v['fps'],
                                        events=e)
                                   for v, e in zip(videos, events)]),
                      f, indent=1)
    return 0
