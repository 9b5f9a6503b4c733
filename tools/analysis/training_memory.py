"""Training memory, measured: plain vs gradient checkpointing vs AMP vs
both, and the memory-aware sampler under a budget, per model.

    python tools/analysis/training_memory.py \
        teacher=configs/fall_shufflenetv2_tsm.py \
        student=configs/fall_mbv3s_tsm.py \
        --data-root data/synthfall --batch-size 8 [--max-memory 512MB] \
        [--variants plain checkpointing AMP "AMP + checkpointing"] \
        [--device cpu|cuda] [--threads 2] [--out table.md] \
        [--every-batch [--max-batch 32]]

Each model is ``NAME=CONFIG[,CHECKPOINT]`` (a checkpoint matters only for
a pruned model's shapes). Every row is one training step at the same batch
in a fresh process: peak memory and seconds per step. With
``--max-memory`` and ``--every-batch``, every batch the sampler packs from
the train split (at most ``--max-batch`` clips) is also trained on its own
clips, each in a fresh process, and its measured peak printed beside the
sampler's estimate and the budget. See
:mod:`mmlight.reports.training_memory`.
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

from mmlight.reports.benchmark import (data_root_options,  # noqa: E402
                                          parse_cfg_options)
from mmlight.reports.edge_benchmark import parse_entry  # noqa: E402
from mmlight.reports.training_memory import (  # noqa: E402
    VARIANTS, format_packed_batches_table, format_training_memory_table,
    measure_packed_batches, measure_training_memory)


def main(argv: Optional[List[str]] = None) -> int:
    from mmengine.config import Config
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    parser.add_argument('--cfg-options', nargs='+', default=[])
    parser.add_argument('--out', help='also write the table here')
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

    rows, packed = [], []
    for entry in entries:
        cfg = Config.fromfile(entry['config'])
        options = list(args.cfg_options)
        if args.data_root:
            options = data_root_options(osp.abspath(args.data_root)) + options
        if options:
            cfg.merge_from_dict(parse_cfg_options(options))
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


if __name__ == '__main__':
    sys.exit(main())
