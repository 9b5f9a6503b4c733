"""Fall / no-fall figures of a classifier whose classes may differ from
the dataset's (a 7-action SynthFall model tested on binary real video)."""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from mmlight.registry import METRICS


def binary_fall_figures(is_fall: np.ndarray, said_fall: np.ndarray
                        ) -> Dict[str, float]:
    """Accuracy, balanced accuracy, recall and precision of fall decisions.

    Args:
        is_fall (np.ndarray): ``(N,)`` bool, the truth.
        said_fall (np.ndarray): ``(N,)`` bool, the decisions.

    Returns:
        dict: ``fall_acc``, ``balanced_acc``, ``fall_recall``,
        ``fall_precision``, ``no_fall_acc`` in percent (NaN when a figure
        is undefined).
    """
    is_fall = np.asarray(is_fall, bool)
    said_fall = np.asarray(said_fall, bool)

    def pct(mask: np.ndarray, hits: np.ndarray) -> float:
        return float(100 * hits[mask].mean()) if mask.any() else float('nan')

    recall = pct(is_fall, said_fall)
    no_fall = pct(~is_fall, ~said_fall)
    return dict(fall_acc=float(100 * (is_fall == said_fall).mean()),
                balanced_acc=float(np.nanmean([recall, no_fall])),
                fall_recall=recall, no_fall_acc=no_fall,
                fall_precision=pct(said_fall, is_fall))


@METRICS.register_module()
class FallMetric(BaseMetric):
    """Fall / no-fall accuracy, balanced accuracy, fall recall and precision.

    A prediction is "fall" when its top class is one of
    ``pred_fall_classes``; the truth is "fall" when the label is one of
    ``gt_fall_classes``. With the defaults this is the binary accuracy of a
    fall / no-fall model; ``pred_fall_classes=[6]`` scores a 7-action
    SynthFall model (class 6 ``fall``) on a binary real dataset zero-shot.

    Args:
        pred_fall_classes (Sequence[int]): The model's fall classes.
            Defaults to ``(1,)``.
        gt_fall_classes (Sequence[int]): The dataset's fall labels.
            Defaults to ``(1,)``.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to None (``'fall'``).
    """
    default_prefix = 'fall'

    def __init__(self, pred_fall_classes: Sequence[int] = (1, ),
                 gt_fall_classes: Sequence[int] = (1, ),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        for name, value in (('pred_fall_classes', pred_fall_classes),
                            ('gt_fall_classes', gt_fall_classes)):
            if not len(value) or not all(
                    isinstance(v, int) and v >= 0 for v in value):
                raise ValueError(f'FallMetric: {name} must be non-empty '
                                 f'class indices, got {value!r}')
        self.pred_fall_classes = [int(c) for c in pred_fall_classes]
        self.gt_fall_classes = [int(c) for c in gt_fall_classes]

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep each clip's top class and label."""
        for sample in data_samples:
            score = sample['pred_score']
            label = sample['gt_label']
            self.results.append((int(score.argmax()), int(label.item())))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        """The figures over all clips (percent)."""
        pred, gt = np.asarray(results).T
        return binary_fall_figures(np.isin(gt, self.gt_fall_classes),
                                   np.isin(pred, self.pred_fall_classes))
