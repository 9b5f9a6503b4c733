import math

import pytest
import torch

from mmlight.models.losses import KDLoss
from mmlight.registry import MODELS

STUDENT = [[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]]
TEACHER = [[3.0, 1.0, 0.0], [0.0, 0.0, 2.0]]


def _softmax(row, tau):
    exps = [math.exp(v / tau) for v in row]
    return [e / sum(exps) for e in exps]


def _kl_by_hand(student, teacher, tau):
    # per sample: sum_k p_t[k] * (log p_t[k] - log p_s[k])
    out = []
    for s, t in zip(student, teacher):
        p_s, p_t = _softmax(s, tau), _softmax(t, tau)
        out.append(
            sum(pt * (math.log(pt) - math.log(ps))
                for ps, pt in zip(p_s, p_t)))
    return out


@pytest.mark.parametrize('reduction', ['batchmean', 'mean', 'sum'])
def test_matches_hand_computed_value(reduction):
    tau, weight = 2.0, 0.7
    per_sample = _kl_by_hand(STUDENT, TEACHER, tau)
    total = sum(per_sample)
    kl = {'batchmean': total / 2, 'mean': total / 6, 'sum': total}[reduction]
    expected = weight * tau**2 * kl
    loss = KDLoss(tau=tau, loss_weight=weight,
                  reduction=reduction)(torch.tensor(STUDENT,
                                                    dtype=torch.float64),
                                       torch.tensor(TEACHER,
                                                    dtype=torch.float64))
    assert loss.dim() == 0
    assert loss.item() == pytest.approx(expected, rel=1e-9)


def test_first_sample_spelled_out():
    # tau=1, student [0, 0] vs teacher [log 3, 0]: p_t = (3/4, 1/4),
    # p_s = (1/2, 1/2); KL = 3/4 log(3/2) + 1/4 log(1/2)
    expected = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)
    loss = KDLoss(tau=1.0)(torch.tensor([[0.0, 0.0]]),
                           torch.tensor([[math.log(3.0), 0.0]]))
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_zero_when_logits_equal():
    logits = torch.randn(4, 10, generator=torch.Generator().manual_seed(0))
    # float32 rounding, scaled by tau^2 = 16
    assert KDLoss()(logits, logits.clone()).abs().item() < 1e-5
    same = KDLoss()(logits.double(), logits.double())
    assert same.abs().item() < 1e-12


def test_gradient_reaches_only_the_student():
    torch.manual_seed(0)
    student = torch.randn(3, 5, requires_grad=True)
    teacher = torch.randn(3, 5, requires_grad=True)
    KDLoss(tau=4.0)(student, teacher).backward()
    assert student.grad is not None and student.grad.abs().sum() > 0
    assert teacher.grad is None


def test_builds_from_config():
    loss = MODELS.build(dict(type='KDLoss', tau=2, loss_weight=0.5))
    assert isinstance(loss, KDLoss)
    assert (loss.tau, loss.loss_weight) == (2.0, 0.5)


@pytest.mark.parametrize('kwargs, name', [
    (dict(tau=0), 'tau'),
    (dict(tau=-1.0), 'tau'),
    (dict(loss_weight=-0.1), 'loss_weight'),
    (dict(reduction='none'), 'reduction'),
    (dict(reduction='avg'), 'reduction'),
])
def test_invalid_arguments_fail_in_init(kwargs, name):
    with pytest.raises(ValueError, match=name):
        KDLoss(**kwargs)


def test_mismatched_logits_fail():
    with pytest.raises(ValueError, match=r'\(2, 3\) and \(2, 4\)'):
        KDLoss()(torch.randn(2, 3), torch.randn(2, 4))
