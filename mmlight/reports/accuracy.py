"""Fall-detection figures from predictions: the math behind the reports.

Pure functions on label arrays, so they are tested without a model; the
tools feed them the predictions that ``tools/test.py --dump`` writes.
"""
import pickle
from typing import Dict, List, Sequence, Tuple

import numpy as np

from mmlight.reports.common import format_cell, table_head, table_row

__all__ = [
    'load_predictions', 'confusion_matrix', 'fall_metrics',
    'format_confusion', 'format_summary'
]


def load_predictions(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """Read ``tools/test.py --dump`` output.

    Args:
        path (str): The ``.pkl`` file MMEngine's ``DumpResults`` wrote.

    Returns:
        tuple[np.ndarray, np.ndarray]: Ground-truth and predicted labels,
        each of shape (N, ).
    """
    with open(path, 'rb') as f:
        samples = pickle.load(f)
    if not samples:
        raise ValueError(f'{path}: no predictions in the file')
    gt, pred = [], []
    for i, sample in enumerate(samples):
        if 'pred_score' not in sample or 'gt_label' not in sample:
            raise ValueError(f'{path}: sample {i} has no pred_score/gt_label')
        gt.append(int(np.asarray(sample['gt_label']).reshape(-1)[0]))
        pred.append(int(np.asarray(sample['pred_score']).argmax()))
    return np.array(gt), np.array(pred)


def confusion_matrix(gt: np.ndarray, pred: np.ndarray,
                     num_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class).

    Args:
        gt (np.ndarray): True labels, shape (N, ).
        pred (np.ndarray): Predicted labels, shape (N, ).
        num_classes (int): Number of classes C.

    Returns:
        np.ndarray: Shape (C, C); row = true class, column = prediction.
    """
    if gt.shape != pred.shape:
        raise ValueError(f'gt {gt.shape} and pred {pred.shape} differ')
    bad = (gt < 0) | (gt >= num_classes) | (pred < 0) | (pred >= num_classes)
    if bad.any():
        raise ValueError(f'labels outside [0, {num_classes})')
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (gt, pred), 1)
    return cm


def fall_metrics(gt: np.ndarray, pred: np.ndarray, classes: Sequence[str],
                 fall: str = 'fall',
                 hard_negative: str = 'lie_down') -> Dict[str, float]:
    """Accuracy and the figures that matter for a fall detector.

    Args:
        gt (np.ndarray): True labels, shape (N, ).
        pred (np.ndarray): Predicted labels, shape (N, ).
        classes (Sequence[str]): Class names in label order.
        fall (str): The fall class. Defaults to ``'fall'``.
        hard_negative (str): The class that ends in the same pose as a fall
            and differs only in time. Defaults to ``'lie_down'``.

    Returns:
        dict[str, float]: ``top1`` and ``mean_class_acc``;
        ``fall_accuracy``, ``fall_recall`` and ``fall_precision`` of the
        binary fall decision (any other class counts as "no fall"; the
        accuracy over every clip); ``hard_negative_acc``, the binary accuracy on
        the clips that are falls or hard negatives (NaN where the classes
        have no ``hard_negative``, as a fall / no-fall dataset). Values in
        [0, 1].

    Raises:
        ValueError: ``fall`` is not one of ``classes``.
    """
    classes = list(classes)
    if fall not in classes:
        raise ValueError(f'class {fall!r} not in {classes}')
    cm = confusion_matrix(gt, pred, len(classes))
    per_class = cm.diagonal() / np.maximum(cm.sum(axis=1), 1)
    present = cm.sum(axis=1) > 0
    f = classes.index(fall)
    is_fall, said_fall = gt == f, pred == f
    # a fall / no-fall dataset has no hard-negative class: NaN there
    hard = ((gt == f) | (gt == classes.index(hard_negative))) \
        if hard_negative in classes else np.zeros_like(is_fall)
    return dict(
        top1=float((gt == pred).mean()),
        mean_class_acc=float(per_class[present].mean()),
        fall_accuracy=float((is_fall == said_fall).mean()),
        fall_recall=float(said_fall[is_fall].mean()) if is_fall.any()
        else float('nan'),
        fall_precision=float(is_fall[said_fall].mean()) if said_fall.any()
        else float('nan'),
        hard_negative_acc=float((is_fall[hard] == said_fall[hard]).mean())
        if hard.any() else float('nan'))


def format_confusion(cm: np.ndarray, classes: Sequence[str]) -> str:
    """A markdown confusion matrix (rows: true class, columns: predicted)."""
    rows = [table_row([name, *(str(v) for v in cm[i])])
            for i, name in enumerate(classes)]
    return '\n'.join(table_head(['true \\ pred', *classes]) + rows)


def format_summary(results: List[Tuple[str, Dict[str, float]]]) -> str:
    """A markdown table of :func:`fall_metrics` results, one row a model,
    in percent; an undefined figure (NaN: no fall predicted, no fall
    clip, no hard-negative class) reads ``n/a``."""
    cols = ['top1', 'mean_class_acc', 'fall_recall', 'fall_precision',
            'hard_negative_acc']
    lines = table_head(['model', *cols])
    for name, metrics in results:
        lines.append(table_row(
            [name, *(format_cell(metrics[c], '.1f', 100) for c in cols)]))
    return '\n'.join(lines)
