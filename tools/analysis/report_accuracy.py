"""Print accuracy, fall recall, hard-negative accuracy and confusion matrices
of dumped test predictions (``tools/test.py ... --dump preds.pkl``).

    python tools/analysis/report_accuracy.py --classes data/synthfall/classes.txt \
        teacher=work_dirs/t/preds.pkl student=work_dirs/s/preds.pkl
"""
import argparse
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.reports import confusion_matrix, fall_metrics, format_confusion, format_summary, load_predictions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--classes', required=True,
                        help='classes.txt, one class name a line')
    parser.add_argument('runs', nargs='+', help='NAME=PREDICTIONS.pkl')
    args = parser.parse_args()
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


if __name__ == '__main__':
    main()
