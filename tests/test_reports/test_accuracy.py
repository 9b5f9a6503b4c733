import pickle

import numpy as np
import pytest
import torch

from mmlight.reports import confusion_matrix, fall_metrics, format_confusion, format_summary, load_predictions

CLASSES = ('walk', 'stand', 'sit_down', 'pick_up', 'crouch', 'lie_down',
           'fall')


def test_confusion_counts():
    cm = confusion_matrix(np.array([0, 0, 1, 6]), np.array([0, 1, 1, 5]), 7)
    assert cm[0, 0] == 1 and cm[0, 1] == 1 and cm[1, 1] == 1
    assert cm[6, 5] == 1 and cm.sum() == 4


def test_confusion_rejects_bad_labels():
    with pytest.raises(ValueError, match='outside'):
        confusion_matrix(np.array([7]), np.array([0]), 7)


def test_fall_metrics_hand_computed():
    # 2 falls (one missed as lie_down), 2 lie_downs (one called a fall),
    # 2 walks (both right).
    gt = np.array([6, 6, 5, 5, 0, 0])
    pred = np.array([6, 5, 5, 6, 0, 0])
    m = fall_metrics(gt, pred, CLASSES)
    assert m['top1'] == pytest.approx(4 / 6)
    assert m['fall_recall'] == pytest.approx(0.5)
    assert m['fall_precision'] == pytest.approx(0.5)
    # fall / no fall: the missed fall and the lie_down called a fall wrong
    assert m['fall_accuracy'] == pytest.approx(4 / 6)
    assert m['hard_negative_acc'] == pytest.approx(0.5)
    # mean over the 3 classes present: fall .5, lie_down .5, walk 1
    assert m['mean_class_acc'] == pytest.approx(2 / 3)


def test_load_predictions_from_dump(tmp_path):
    samples = [
        dict(gt_label=torch.tensor([6]),
             pred_score=torch.tensor([0, 0, 0, 0, 0, .2, .8])),
        dict(gt_label=torch.tensor([1]),
             pred_score=torch.tensor([.9, .1, 0, 0, 0, 0, 0])),
    ]
    path = tmp_path / 'preds.pkl'
    path.write_bytes(pickle.dumps(samples))
    gt, pred = load_predictions(str(path))
    assert gt.tolist() == [6, 1] and pred.tolist() == [6, 0]


def test_load_predictions_empty_file_is_named(tmp_path):
    path = tmp_path / 'empty.pkl'
    path.write_bytes(pickle.dumps([]))
    with pytest.raises(ValueError, match='empty.pkl'):
        load_predictions(str(path))


def test_markdown_tables():
    cm = confusion_matrix(np.array([0, 1]), np.array([0, 0]), 2)
    table = format_confusion(cm, ['a', 'b'])
    assert '| b | 1 | 0 |' in table
    summary = format_summary([('m', dict(top1=.5, mean_class_acc=.5,
                                         fall_recall=1., fall_precision=1.,
                                         hard_negative_acc=.25))])
    assert '| m | 50.0 | 50.0 | 100.0 | 100.0 | 25.0 |' in summary


def test_fall_metrics_of_a_binary_dataset_has_no_hard_negative():
    import math

    import numpy as np

    from mmlight.reports import fall_metrics
    m = fall_metrics(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]),
                     ['no_fall', 'fall'])
    assert m['top1'] == 0.75 and m['fall_recall'] == 0.5
    assert math.isnan(m['hard_negative_acc'])


def test_undefined_figures_read_n_a_in_the_summary():
    # no clip predicted a fall: precision 0/0; no lie_down class
    m = fall_metrics(np.array([0, 1, 1, 0]), np.array([0, 0, 0, 0]),
                     ['no_fall', 'fall'])
    summary = format_summary([('m', m)])
    assert summary.splitlines()[-1] == '| m | 50.0 | 50.0 | 0.0 | n/a | n/a |'
    assert 'nan' not in summary
