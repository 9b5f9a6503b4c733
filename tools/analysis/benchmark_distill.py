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
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.benchmark_distill import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
