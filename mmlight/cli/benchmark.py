"""``tools/benchmark.py``: the headline table, the teacher and every light
model side by side (:mod:`mmlight.reports.edge_benchmark`).

Each model is ``NAME=CONFIG[,FILE]``: a ``.pth`` checkpoint, an INT8
``.pt2`` program, an ``.onnx`` file or an OpenVINO ``.xml``; no file
measures the untrained architecture's cost only. Relative ``--out``,
``--png`` and ``--json`` paths are under ``--work-dir``.
"""
import argparse
import sys
from typing import Optional, Sequence

from mmlight.cli.common import add_cfg_options
from mmlight.reports.common import parse_cfg_options
from mmlight.reports.edge_benchmark import (format_edge_table,
                                            format_ratio_table, measure_entry,
                                            output_path, parse_entry,
                                            plot_edge_benchmark, time_entries,
                                            write_rows, write_text)

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(
        description='The headline table: the teacher and every light model '
        'side by side.')
    parser.add_argument('models', nargs='+', metavar='NAME=CONFIG[,FILE]',
                        help='the models, reference (teacher) first')
    parser.add_argument('--work-dir', required=True,
                        help='weights-only files and outputs go here')
    parser.add_argument('--data-root',
                        help='SynthFall folder replacing the configs\' one')
    parser.add_argument('--reference',
                        help='the row the others are compared with '
                        '(default: the first)')
    parser.add_argument('--threads', type=int, default=2,
                        help='CPU threads (default: 2)')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu',
                        help='where peak memory is measured (default: cpu)')
    parser.add_argument('--batch-sizes', type=int, nargs='+',
                        default=[1, 8, 32],
                        help='batch sizes timed; the best is the max '
                        'throughput (default: 1 8 32)')
    parser.add_argument('--train-batch', type=int, default=8,
                        help='batch of the training-memory step '
                        '(default: 8)')
    parser.add_argument('--min-seconds', type=float, default=1.0,
                        help='timed seconds per batch size and round '
                        '(default: 1)')
    parser.add_argument('--rounds', type=int, default=3,
                        help='timing rounds, every model timed in each, '
                        'median kept (default: 3)')
    parser.add_argument('--int8-runtime', choices=['inductor', 'reference'],
                        default='inductor',
                        help='how .pt2 INT8 programs run: compiled by '
                        'inductor (default) or their q/dq ops as they are '
                        '(reference, for debugging)')
    parser.add_argument('--no-memory', action='store_true',
                        help='skip the peak-memory processes')
    parser.add_argument('--max-test-batches', type=int,
                        help='evaluate on this many test batches only')
    add_cfg_options(parser, 'key=value overrides for every config',
                    as_dict=False)
    parser.add_argument('--out', help='also write the tables here (.md; '
                        'a relative path is under --work-dir)')
    parser.add_argument('--png', help='accuracy vs latency plot (.png; '
                        'a relative path is under --work-dir)')
    parser.add_argument('--json', help='all raw figures (.json; a '
                        'relative path is under --work-dir)')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Measure every model, time them side by side, print the tables (and
    write ``--out``, ``--json``, ``--png``).

    Returns:
        int: 0, or 1 when a model's row holds an error; bad arguments exit
        with status 2.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    for key in ('out', 'png', 'json'):
        setattr(args, key, output_path(getattr(args, key), args.work_dir))

    try:
        entries = [parse_entry(text) for text in args.models]
    except ValueError as e:
        parser.error(str(e))
    names = [e['name'] for e in entries]
    if len(set(names)) != len(names):
        parser.error(f'model names must be unique, got {names}')
    if args.reference is not None and args.reference not in names:
        parser.error(f'--reference {args.reference} is not one of {names}')
    if 1 not in args.batch_sizes:
        parser.error('--batch-sizes must include 1')
    if args.rounds < 1:
        parser.error('--rounds must be >= 1')
    options = parse_cfg_options(args.cfg_options)

    rows, programs = [], {}
    for entry in entries:
        print(f'[benchmark] {entry["name"]}: {entry["config"]} '
              f'{entry["file"] or "(untrained)"}', file=sys.stderr)
        rows.append(measure_entry(
            entry, args.work_dir, data_root=args.data_root,
            cfg_options=options, threads=args.threads, device=args.device,
            batch_sizes=args.batch_sizes, train_batch=args.train_batch,
            memory=not args.no_memory, timing=False,
            max_test_batches=args.max_test_batches,
            int8_runtime=args.int8_runtime, keep=programs))
    # speed last, all models side by side: interleaved rounds, medians
    print(f'[benchmark] timing {len(entries)} models, {args.rounds} '
          'interleaved rounds', file=sys.stderr)
    time_entries(entries, rows, data_root=args.data_root,
                 cfg_options=options, threads=args.threads,
                 batch_sizes=args.batch_sizes, rounds=args.rounds,
                 min_seconds=args.min_seconds,
                 int8_runtime=args.int8_runtime, loaded=programs)
    text = format_edge_table(rows) + '\n\n' + format_ratio_table(
        rows, args.reference)
    print(text)
    if args.out:
        write_text(args.out, text)
    if args.json:
        write_rows(rows, args.json)
    if args.png:
        try:
            print(f'plot: {plot_edge_benchmark(rows, args.png)}')
        except ValueError as e:
            print(f'no plot: {e}', file=sys.stderr)
    return 1 if any(row['error'] for row in rows) else 0

