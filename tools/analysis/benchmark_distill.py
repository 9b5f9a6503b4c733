"""Benchmark distillation: one student trained with and without it.

Over several seeds, print mean ± std accuracy, fall recall and hard-negative
accuracy of the teacher, the student alone and the distilled student.

    python tools/analysis/benchmark_distill.py \
        --teacher-ckpt work_dirs/demo/teacher/best.pth \
        --work-dir work_dirs/bench_distill --data-root data/synthfall \
        [--teacher-config configs/fall_slowonly_r18_teacher.py] \
        [--student-config configs/fall_mbv3s_tsm.py] \
        [--distill-config configs/fall_mbv3_distill.py] \
        [--seeds 0 1 2] [--epochs N] [--skip-train] [--out table.md] \
        [--cfg-options key=value ...]

Runs go to ``WORK_DIR/teacher``, ``WORK_DIR/student_seed{s}`` and
``WORK_DIR/distill_seed{s}``; a run whose checkpoint is there is not
trained again, so an interrupted benchmark resumes. All figures are in
``WORK_DIR/results.json`` (see :mod:`mmlight.reports.distill_benchmark`).
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

from mmlight.reports.distill_benchmark import (  # noqa: E402
    format_distill_table, run_distill_benchmark)

TOOLS_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS_DIR = osp.join(osp.dirname(TOOLS_DIR), 'configs')


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--teacher-ckpt', required=True,
                        help='the trained teacher\'s checkpoint')
    parser.add_argument(
        '--teacher-config',
        default=osp.join(CONFIGS_DIR, 'fall_slowonly_r18_teacher.py'),
        help='the teacher\'s config (default: %(default)s)')
    parser.add_argument(
        '--student-config',
        default=osp.join(CONFIGS_DIR, 'fall_mbv3s_tsm.py'),
        help='the student trained alone; also tests the distilled student '
        '(default: %(default)s)')
    parser.add_argument(
        '--distill-config',
        default=osp.join(CONFIGS_DIR, 'fall_mbv3_distill.py'),
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
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='key=value overrides for every training and '
                        'test run')
    args = parser.parse_args(argv)

    results = run_distill_benchmark(
        args.teacher_config, args.teacher_ckpt, args.student_config,
        args.distill_config, args.work_dir, TOOLS_DIR, seeds=args.seeds,
        data_root=args.data_root, epochs=args.epochs,
        skip_train=args.skip_train, cfg_options=args.cfg_options)
    table = format_distill_table(results)
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
