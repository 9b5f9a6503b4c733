"""The summary of ``make real`` (sim-to-real rows, headline table, stream
alerts); see :mod:`mmlight.reports.real_report`.

Example:
    python tools/analysis/real_report.py --work-dir work_dirs/real \
        --out work_dirs/real/summary.md
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.real_report import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
