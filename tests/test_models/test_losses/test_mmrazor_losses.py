"""mmrazor's logit losses and its ConfigurableDistiller, built from mmlight's
scope as mmlight's distillation configs build them."""
import pytest
import torch
import torch.nn as nn

from mmlight.models.connectors import VideoFeatureConnector
from mmlight.models.losses import KDLoss, VideoFeatureLoss
from mmlight.registry import MODELS


def _logits(n=4, k=5, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(n, k, generator=gen), torch.randn(n, k, generator=gen)


def test_dkd_loss_from_mmlight_scope():
    loss = MODELS.build(
        dict(type='mmrazor.DKDLoss', tau=4, beta=2, loss_weight=1.0))
    student, teacher = _logits()
    labels = torch.tensor([0, 1, 2, 3])
    value = loss(student, teacher, labels)
    assert torch.isfinite(value) and value.item() > 0
    same = loss(student, student.clone(), labels)
    assert same.abs().item() < 1e-4


def test_dist_loss_from_mmlight_scope():
    loss = MODELS.build(dict(type='mmrazor.DISTLoss', tau=4))
    student, teacher = _logits()
    value = loss(student, teacher)
    assert torch.isfinite(value) and value.item() > 0
    assert loss(student, student.clone()).abs().item() < 1e-4


class _Tiny(nn.Module):

    def __init__(self, seed):
        super().__init__()
        torch.manual_seed(seed)
        self.body = nn.Linear(6, 8)
        self.head = nn.Linear(8, 5)

    def forward(self, x):
        return self.head(torch.relu(self.body(x)))


def test_configurable_distiller_with_kd_loss():
    # Recorder types get 'Recorder' appended by mmrazor's RecorderManager and
    # live in mmrazor's TASK_UTILS: from mmlight's scope they need the
    # prefix ('ModuleOutputs' alone is not found).
    recorder = dict(type='mmrazor.ModuleOutputs', source='head')
    distiller = MODELS.build(
        dict(type='mmrazor.ConfigurableDistiller',
             student_recorders=dict(logits=recorder),
             teacher_recorders=dict(logits=recorder),
             distill_losses=dict(loss_kd=dict(type='KDLoss', tau=2)),
             loss_forward_mappings=dict(loss_kd=dict(
                 preds_S=dict(from_student=True, recorder='logits'),
                 preds_T=dict(from_student=False, recorder='logits')))))
    assert isinstance(distiller.distill_losses['loss_kd'], KDLoss)
    student, teacher = _Tiny(0), _Tiny(1)
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    x = torch.randn(3, 6)
    with distiller.student_recorders, distiller.teacher_recorders:
        s_logits = student(x)
        t_logits = teacher(x)
    losses = distiller.compute_distill_losses()
    assert list(losses) == ['loss_kd']
    expected = KDLoss(tau=2)(s_logits, t_logits)
    assert losses['loss_kd'].item() == pytest.approx(expected.item())
    assert losses['loss_kd'].item() > 0
    losses['loss_kd'].backward()
    assert student.head.weight.grad.abs().sum() > 0
    assert teacher.head.weight.grad is None


def test_configurable_distiller_with_connector_and_feature_loss():
    distiller = MODELS.build(
        dict(type='mmrazor.ConfigurableDistiller',
             student_recorders=dict(
                 feat=dict(type='mmrazor.ModuleOutputs', source='body')),
             teacher_recorders=dict(
                 feat=dict(type='mmrazor.ModuleOutputs', source='body')),
             connectors=dict(loss_feat_sfeat=dict(type='VideoFeatureConnector',
                                                  in_channels=2,
                                                  out_channels=4,
                                                  num_segs=2)),
             distill_losses=dict(loss_feat=dict(type='VideoFeatureLoss')),
             loss_forward_mappings=dict(loss_feat=dict(
                 preds_S=dict(from_student=True,
                              recorder='feat',
                              connector='loss_feat_sfeat'),
                 preds_T=dict(from_student=False, recorder='feat')))))

    class Student2D(nn.Module):  # (N * T, C_s, H, W) features

        def __init__(self):
            super().__init__()
            self.body = nn.Conv2d(3, 2, 1)

        def forward(self, x):
            return self.body(x)

    class Teacher3D(nn.Module):  # (N, C_t, T_t, H_t, W_t) features

        def __init__(self):
            super().__init__()
            self.body = nn.Conv3d(3, 4, 1)

        def forward(self, x):
            return self.body(x)

    student, teacher = Student2D(), Teacher3D()
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    with distiller.student_recorders, distiller.teacher_recorders:
        student(torch.randn(2 * 2, 3, 2, 2))
        teacher(torch.randn(2, 3, 4, 3, 4))
    assert isinstance(distiller.connectors['loss_feat_sfeat'],
                      VideoFeatureConnector)
    assert isinstance(distiller.distill_losses['loss_feat'], VideoFeatureLoss)
    loss = distiller.compute_distill_losses()['loss_feat']
    assert torch.isfinite(loss) and loss.item() > 0
    loss.backward()
    assert student.body.weight.grad.abs().sum() > 0
    assert distiller.connectors['loss_feat_sfeat'].conv.weight.grad is not None
