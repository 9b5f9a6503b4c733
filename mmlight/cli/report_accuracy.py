"""``tools/analysis/report_accuracy.py`` (``make report``): accuracy, fall
recall, hard-negative accuracy and confusion matrices of dumped test
predictions (``tools/test.py ... --dump preds.pkl``;
:mod:`mmlight.reports.accuracy`)."""
import argparse
from typing import Optional, Sequence

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(
        description='Print accuracy, fall recall, hard-negative accuracy '
        'and confusion matrices of dumped test predictions.')
    parser.add_argument('--classes', required=True,
                        help='classes.txt, one class name a line')
    parser.add_argument('runs', nargs='+', help='NAME=PREDICTIONS.pkl')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Print each run's confusion matrix, then the summary table.

    Returns:
        int: 0; a run that is no ``NAME=PREDICTIONS.pkl`` exits with
        status 2.
    """
    from mmlight.reports import (confusion_matrix, fall_metrics,
                                 format_confusion, format_summary,
                                 load_predictions)
    parser = build_parser()
    args = parser.parse_args(argv)
    with open(args.classes) as f:
        classes = [line.strip() for line in f if line.strip()]
    results = []
    for run in args.runs:
        name, sep, path = run.partition('=')
        if not sep:
            parser.error(f'expected NAME=PREDICTIONS.pkl, got {run!r}')
        gt, pred = load_predictions(path)
        results.append((name, fall_metrics(gt, pred, classes)))
        print(f'\n### {name}: confusion on {len(gt)} test clips\n')
        print(format_confusion(confusion_matrix(gt, pred, len(classes)),
                               classes))
    print('\n### Summary (%)\n')
    print(format_summary(results))
    return 0
