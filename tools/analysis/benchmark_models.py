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
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.benchmark_models import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
