"""Train (or load), test and measure several configs on one SynthFall split,
and print a markdown table of cost and accuracy.

    python tools/analysis/benchmark_models.py configs/fall_mbv3_baseline.py \
        configs/fall_slowonly_r18_teacher.py --work-dir work_dirs/bench \
        --data-root data/synthfall [--epochs 5] [--skip-train] \
        [--threads 2] [--out table.md] [--json results.json]

Each config trains in ``WORK_DIR/<config stem>`` unless a ``best_*.pth`` is
there already, then is tested on the test split. Params, GFLOPs per clip,
CPU clips/s at batch 1 and peak inference memory are measured on the built
model (see :mod:`mmlight.reports.benchmark`). A failing config is
reported and the others go on; the exit status is then 1.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    import mmlight  # noqa: F401

from mmlight.reports.benchmark import (benchmark_config,  # noqa: E402
                                          format_table, write_json)

TOOLS_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='key=value overrides for every config, also '
                        'passed to tools/train.py and tools/test.py')
    parser.add_argument('--out', help='also write the table here')
    parser.add_argument('--json', help='write all raw numbers here')
    args = parser.parse_args(argv)

    rows = []
    for config in args.configs:
        print(f'[{osp.basename(config)}] benchmarking...', file=sys.stderr)
        rows.append(benchmark_config(
            config, args.work_dir, TOOLS_DIR, data_root=args.data_root,
            epochs=args.epochs, skip_train=args.skip_train,
            threads=args.threads, device=args.device,
            min_iters=args.min_iters, min_seconds=args.min_seconds,
            cfg_options=args.cfg_options))
    table = format_table(rows, args.threads, args.device, args.min_iters,
                         args.min_seconds)
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')
    if args.json:
        write_json(rows, args.json)
    return 1 if any(row['error'] for row in rows) else 0


if __name__ == '__main__':
    sys.exit(main())
