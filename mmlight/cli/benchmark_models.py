"""``tools/analysis/benchmark_models.py`` (``make bench``): train (or
load), test and measure several configs on one SynthFall split, a markdown
table of cost and accuracy (:mod:`mmlight.reports.benchmark`).

Each config trains in ``WORK_DIR/<config stem>`` (``tools/train.py`` in a
child process) unless a ``best_*.pth`` is there already, then is tested on
the test split. A failing config is reported and the others go on.
"""
import argparse
import os.path as osp
import sys
from typing import Optional, Sequence

from mmlight.cli.common import add_cfg_options, shipped_dir
from mmlight.reports.benchmark import (benchmark_config, format_table,
                                      write_json)

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(
        description='Train (or load), test and measure several configs on '
        'one SynthFall split, and print a markdown table of cost and '
        'accuracy.')
    parser.add_argument('configs', nargs='+', help='config files')
    parser.add_argument('--work-dir', required=True,
                        help='one sub-folder per config goes here')
    parser.add_argument('--data-root',
                        help='SynthFall folder replacing the configs\' one')
    parser.add_argument('--epochs', type=int,
                        help='train this many epochs (default: config\'s)')
    parser.add_argument('--skip-train', action='store_true',
                        help='never train; a missing best_*.pth is an error')
    parser.add_argument('--threads', type=int, default=2,
                        help='CPU threads for clips/s and memory')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu',
                        help='where peak memory is measured (default: cpu)')
    parser.add_argument('--min-iters', type=int, default=20,
                        help='timed forwards, at least (default: 20)')
    parser.add_argument('--min-seconds', type=float, default=2.0,
                        help='timed seconds, at least (default: 2)')
    add_cfg_options(parser, 'key=value overrides for every config, also '
                    'passed to tools/train.py and tools/test.py',
                    as_dict=False)
    parser.add_argument('--out', help='also write the table here')
    parser.add_argument('--json', help='write all raw numbers here')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Benchmark every config, print the table (and write ``--out``,
    ``--json``).

    Returns:
        int: 0, or 1 when a config failed.
    """
    args = build_parser().parse_args(argv)
    rows = []
    for config in args.configs:
        print(f'[{osp.basename(config)}] benchmarking...', file=sys.stderr)
        rows.append(benchmark_config(
            config, args.work_dir, shipped_dir('tools'),
            data_root=args.data_root, epochs=args.epochs,
            skip_train=args.skip_train, threads=args.threads,
            device=args.device, min_iters=args.min_iters,
            min_seconds=args.min_seconds, cfg_options=args.cfg_options))
    table = format_table(rows, args.threads, args.device, args.min_iters,
                         args.min_seconds)
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')
    if args.json:
        write_json(rows, args.json)
    return 1 if any(row['error'] for row in rows) else 0
