"""``tools/benchmark_cost.py`` (``make seed-table``): cost only, at any
input shape, the seed's table at the seed's scale
(:mod:`mmlight.reports.cost_benchmark`).

Each model is ``NAME=CONFIG[,FILE]`` (as ``tools/benchmark.py``);
``--input-shape`` sets a model's test input, ``--int8 NAME`` adds its INT8
rows; peak training memory is measured per ``--train-batches`` size and
variant.
"""
import argparse
import json
import sys
from typing import Optional, Sequence

from mmlight.reports.cost_benchmark import (entry_rows, fastest,
                                            format_cost_table,
                                            format_seed_table, parse_named,
                                            parse_shape)
from mmlight.reports.edge_benchmark import (measure_entry, output_path,
                                            parse_entry, time_entries,
                                            write_text)
from mmlight.reports.training_memory import VARIANTS, measure_training_memory
from mmlight.utils import load_config

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    p = argparse.ArgumentParser(
        description="Cost only, at any input shape: the seed's table at the "
        "seed's scale.")
    p.add_argument('models', nargs='+', metavar='NAME=CONFIG[,FILE]')
    p.add_argument('--work-dir', required=True,
                   help='made files (pruned, INT8) and outputs go here')
    p.add_argument('--input-shape', nargs='+', default=[],
                   metavar='[NAME=]TxHxW',
                   help='input of a model (or of all): TxHxW, or HxW for '
                   'the config\'s frames')
    p.add_argument('--int8', nargs='+', default=[], metavar='NAME',
                   help='add these models\' INT8 rows (PT2E, ONNX, '
                   'OpenVINO) at their input shape')
    p.add_argument('--train-batches', nargs='+', default=['2,8'],
                   metavar='[NAME=]B[,B...]',
                   help='training batch sizes of a model (or of all); '
                   '0 skips its training memory (default: 2,8)')
    p.add_argument('--variants', nargs='+', default=list(VARIANTS),
                   choices=list(VARIANTS),
                   help='training-memory variants (default: all four)')
    p.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 8],
                   help='inference batch sizes timed, 1 included '
                   '(default: 1 8)')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--device', choices=['cpu', 'cuda'], default='cpu',
                   help='where peak memory is measured; clips/s is CPU')
    p.add_argument('--rounds', type=int, default=1,
                   help='interleaved timing rounds, median kept')
    p.add_argument('--min-seconds', type=float, default=1.0)
    p.add_argument('--min-iters', type=int, default=3)
    p.add_argument('--train-steps', type=int, default=3,
                   help='training steps per measurement (the first is not '
                   'timed)')
    p.add_argument('--teacher', help='row of the seed table\'s teacher')
    p.add_argument('--light', nargs='+',
                   help='candidate rows of the seed table\'s light model: '
                   'the fastest at batch 1 is taken')
    p.add_argument('--out', help='.md (relative: under --work-dir)')
    p.add_argument('--json', help='raw figures (relative: under --work-dir)')
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Measure every model's cost (and its INT8 rows), print the tables
    (and write ``--out``, ``--json``).

    Returns:
        int: 0, or 1 when a row holds an error; bad arguments exit with
        status 2.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    for key in ('out', 'json'):
        setattr(args, key, output_path(getattr(args, key), args.work_dir))
    try:
        entries = [parse_entry(text) for text in args.models]
        names = [e['name'] for e in entries]
        if len(set(names)) != len(names):
            raise ValueError(f'model names must be unique, got {names}')
        shapes = parse_named(args.input_shape, names, '--input-shape')
        for text in shapes.values():
            parse_shape(text)
        batches = {k: [int(b) for b in v.split(',') if int(b) > 0]
                   for k, v in parse_named(args.train_batches, names,
                                           '--train-batches').items()}
        for name in args.int8:
            if name not in names:
                raise ValueError(f'--int8 {name}: not one of {names}')
    except ValueError as e:
        parser.error(str(e))
    if 1 not in args.batch_sizes:
        parser.error('--batch-sizes must include 1')

    print('[cost] preparing pruned architectures and INT8 files',
          file=sys.stderr)
    entries, options, sources = entry_rows(entries, shapes, args.work_dir,
                                           args.int8)
    rows = []
    for entry in entries:
        print(f'[cost] {entry["name"]}: {entry["config"]} '
              f'{entry["file"] or "(initial weights)"}', file=sys.stderr)
        rows.append(measure_entry(
            entry, args.work_dir, cfg_options=options[entry['name']],
            threads=args.threads, device=args.device,
            batch_sizes=args.batch_sizes, accuracy=False, timing=False,
            train_memory=False))
    print('[cost] timing', file=sys.stderr)
    time_entries(entries, rows, threads=args.threads,
                 batch_sizes=args.batch_sizes, rounds=args.rounds,
                 min_iters=args.min_iters, min_seconds=args.min_seconds,
                 entry_options=options)
    train_rows = []
    for entry in entries:
        name = entry['name']
        if entry['kind'] != 'torch':
            continue
        cfg = load_config(entry['config'], options[name])
        for batch in batches.get(name, batches.get(None, [])):
            print(f'[cost] training memory: {name}, batch {batch}',
                  file=sys.stderr)
            train_rows += measure_training_memory(
                name, cfg, entry['file'], batch, args.variants,
                device=args.device, threads=args.threads,
                steps=args.train_steps)
    text = format_cost_table(rows, train_rows)
    if args.teacher and args.light:
        light = fastest(rows, args.light)
        text += '\n\n' + format_seed_table(rows, train_rows, args.teacher,
                                           light)
    print(text)
    if args.out:
        write_text(args.out, text)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(rows=rows, train_rows=train_rows,
                           int8_sources=sources), f, indent=1,
                      default=str)
    failed = any(r.get('error') for r in rows + train_rows)
    return 1 if failed else 0

