"""``tools/analysis/benchmark_distill.py``: one student trained with and
without distillation over several seeds, mean ± std accuracy, fall recall
and hard-negative accuracy of the teacher, the student alone and the
distilled student (:mod:`mmlight.reports.distill_benchmark`).

Runs go to ``WORK_DIR/teacher``, ``WORK_DIR/student_seed{s}`` and
``WORK_DIR/distill_seed{s}``, trained and tested by ``tools/train.py`` /
``tools/test.py`` in child processes; a run whose checkpoint is there is
not trained again.
"""
import argparse
import os.path as osp
from typing import Optional, Sequence

from mmlight.cli.common import add_cfg_options, shipped_dir
from mmlight.reports.distill_benchmark import (format_distill_table,
                                               run_distill_benchmark)

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    configs = shipped_dir('configs')
    parser = argparse.ArgumentParser(
        description='Benchmark distillation: one student trained with and '
        'without it.')
    parser.add_argument('--teacher-ckpt', required=True,
                        help='the trained teacher\'s checkpoint')
    parser.add_argument(
        '--teacher-config',
        default=osp.join(configs, 'fall_slowonly_r18_teacher.py'),
        help='the teacher\'s config (default: %(default)s)')
    parser.add_argument(
        '--student-config',
        default=osp.join(configs, 'fall_mbv3s_tsm.py'),
        help='the student trained alone; also tests the distilled student '
        '(default: %(default)s)')
    parser.add_argument(
        '--distill-config',
        default=osp.join(configs, 'fall_mbv3_distill.py'),
        help='the distillation config (default: %(default)s)')
    parser.add_argument('--work-dir', required=True,
                        help='one sub-folder per run goes here')
    parser.add_argument('--data-root',
                        help='SynthFall folder replacing the configs\' one')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2],
                        help='one run of each student per seed '
                        '(default: 0 1 2)')
    parser.add_argument('--epochs', type=int,
                        help='train this many epochs (default: config\'s)')
    parser.add_argument('--skip-train', action='store_true',
                        help='never train; a missing checkpoint is an error')
    parser.add_argument('--out', help='also write the table here')
    add_cfg_options(parser, 'key=value overrides for every training and '
                    'test run', as_dict=False)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Train (or find) and test every run, print the table (and write
    ``--out``).

    Returns:
        int: 0.
    """
    args = build_parser().parse_args(argv)
    results = run_distill_benchmark(
        args.teacher_config, args.teacher_ckpt, args.student_config,
        args.distill_config, args.work_dir, shipped_dir('tools'),
        seeds=args.seeds, data_root=args.data_root, epochs=args.epochs,
        skip_train=args.skip_train, cfg_options=args.cfg_options)
    table = format_distill_table(results)
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')
    return 0
