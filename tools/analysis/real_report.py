"""The summary of ``make real`` (sim-to-real rows, headline table, stream
alerts); see :mod:`mmlight.reports.real_report`.

Example:
    python tools/analysis/real_report.py --work-dir work_dirs/real \
        --out work_dirs/real/summary.md
"""
import argparse
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # running from a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.reports.real_report import format_real_summary  # noqa: E402

if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    text = format_real_summary(args.work_dir)
    with open(args.out, 'w') as f:
        f.write(text)
    print(text)
