"""``tools/analysis/training_memory.py``: training memory, measured, plain
vs gradient checkpointing vs AMP vs both, and the memory-aware sampler under
a budget, per model (:mod:`mmlight.reports.training_memory`).

Each model is ``NAME=CONFIG[,CHECKPOINT]``; every row is one training step
at the same batch in a fresh process. With ``--max-memory`` and
``--every-batch``, every batch the sampler packs from the train split is
also trained on its own clips, its measured peak printed beside the
sampler's estimate and the budget.
"""
import argparse
import os.path as osp
import sys
from typing import Optional, Sequence

from mmlight.cli.common import add_cfg_options
from mmlight.reports.benchmark import data_root_options
from mmlight.reports.common import parse_cfg_options
from mmlight.reports.edge_benchmark import parse_entry
from mmlight.reports.training_memory import (VARIANTS,
                                             format_packed_batches_table,
                                             format_training_memory_table,
                                             measure_packed_batches,
                                             measure_training_memory)
from mmlight.utils import load_config

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(
        description='Training memory, measured: plain vs gradient '
        'checkpointing vs AMP vs both, and the memory-aware sampler under a '
        'budget, per model.')
    parser.add_argument('models', nargs='+',
                        metavar='NAME=CONFIG[,CHECKPOINT]')
    parser.add_argument('--data-root',
                        help='SynthFall folder replacing the configs\' one')
    parser.add_argument('--batch-size', type=int, default=8,
                        help='the fixed batch (default: 8)')
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS),
                        choices=list(VARIANTS))
    parser.add_argument('--max-memory',
                        help='add a MemoryAwareBatchSampler row under this '
                        'budget, e.g. 512MB (needs the train split)')
    parser.add_argument('--every-batch', action='store_true',
                        help='with --max-memory: train every packed batch '
                        'on its own clips and print its peak')
    parser.add_argument('--max-batch', type=int, default=32,
                        help='the most clips a packed batch holds '
                        '(default: 32)')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--steps', type=int, default=3,
                        help='training steps per row (default: 3)')
    add_cfg_options(parser, 'key=value overrides for every config',
                    as_dict=False)
    parser.add_argument('--out', help='also write the table here')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Measure every model (and packed batch), print the table (and write
    ``--out``).

    Returns:
        int: 0, or 1 when a row holds an error; bad arguments exit with
        status 2.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        entries = [parse_entry(text) for text in args.models]
    except ValueError as e:
        parser.error(str(e))
    for entry in entries:
        if entry['kind'] != 'torch':
            parser.error(f'{entry["name"]}: only .pth checkpoints train')
    if args.every_batch and not args.max_memory:
        parser.error('--every-batch needs --max-memory')

    options = list(args.cfg_options)
    if args.data_root:
        options = data_root_options(osp.abspath(args.data_root)) + options
    options = parse_cfg_options(options)
    rows, packed = [], []
    for entry in entries:
        cfg = load_config(entry['config'], options)
        print(f'[training_memory] {entry["name"]}', file=sys.stderr)
        rows += measure_training_memory(
            entry['name'], cfg, entry['file'], args.batch_size,
            args.variants, args.max_memory, args.device, args.threads,
            args.steps)
        if args.every_batch:
            amp, with_cp = VARIANTS[args.variants[-1]]
            print(f'[training_memory] {entry["name"]}: every batch packed '
                  f'under {args.max_memory} ({args.variants[-1]})',
                  file=sys.stderr)
            packed.append((entry['name'], measure_packed_batches(
                cfg, args.max_memory, args.max_batch, amp, with_cp,
                args.device, args.threads)))
    table = format_training_memory_table(rows)
    for name, batch_rows in packed:
        table += (f'\n\n{name}: every batch MemoryAwareBatchSampler packs '
                  f'under {args.max_memory} ({args.variants[-1]})\n\n'
                  + format_packed_batches_table(batch_rows))
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')
    failed = any(row['error'] for row in rows) or any(
        r['error'] for _, batch_rows in packed for r in batch_rows)
    return 1 if failed else 0
