"""Print accuracy, fall recall, hard-negative accuracy and confusion matrices
of dumped test predictions (``tools/test.py ... --dump preds.pkl``).

    python tools/analysis/report_accuracy.py --classes data/synthfall/classes.txt \
        teacher=work_dirs/t/preds.pkl student=work_dirs/s/preds.pkl
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.report_accuracy import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
