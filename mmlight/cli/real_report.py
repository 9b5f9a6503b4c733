"""``tools/analysis/real_report.py``: the summary of ``make real``
(sim-to-real rows, headline table, stream alerts), written and printed
(:func:`mmlight.reports.real_report.format_real_summary`)."""
import argparse
from typing import Optional, Sequence

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(
        description='The summary of make real: sim-to-real rows, headline '
        'table, stream alerts.')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--out', required=True)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Write the summary to ``--out`` and print it.

    Returns:
        int: 0.
    """
    from mmlight.reports.real_report import format_real_summary
    args = build_parser().parse_args(argv)
    text = format_real_summary(args.work_dir)
    with open(args.out, 'w') as f:
        f.write(text)
    print(text)
    return 0
