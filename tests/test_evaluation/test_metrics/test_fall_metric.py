"""FallMetric: binary fall figures, also of a 7-class model on binary
labels."""
import math

import pytest
import torch

from mmlight.evaluation import FallMetric, binary_fall_figures


def test_figures_by_hand():
    figs = binary_fall_figures([1, 1, 1, 0, 0], [1, 1, 0, 1, 0])
    assert figs['fall_acc'] == pytest.approx(60.0)
    assert figs['fall_recall'] == pytest.approx(200 / 3)
    assert figs['no_fall_acc'] == pytest.approx(50.0)
    assert figs['balanced_acc'] == pytest.approx((200 / 3 + 50) / 2)
    assert figs['fall_precision'] == pytest.approx(200 / 3)
    assert math.isnan(binary_fall_figures([0, 0], [0, 0])['fall_recall'])


def samples(preds, labels, num_classes):
    out = []
    for p, y in zip(preds, labels):
        score = torch.zeros(num_classes)
        score[p] = 1
        out.append(dict(pred_score=score, gt_label=torch.tensor([y])))
    return out


def test_seven_class_model_on_binary_labels():
    metric = FallMetric(pred_fall_classes=[6])
    # predicted: fall, lie_down, walk, fall; truth: fall, fall, no, no
    metric.process(None, samples([6, 5, 0, 6], [1, 1, 0, 0], 7))
    figs = metric.evaluate(4)
    assert figs['fall/fall_acc'] == pytest.approx(50.0)
    assert figs['fall/fall_recall'] == pytest.approx(50.0)
    assert figs['fall/fall_precision'] == pytest.approx(50.0)


def test_bad_classes_are_refused():
    with pytest.raises(ValueError, match='pred_fall_classes'):
        FallMetric(pred_fall_classes=[])
