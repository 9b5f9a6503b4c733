import pytest
import torch
import torch.nn.functional as F

from mmlight.models.losses import VideoFeatureLoss
from mmlight.registry import MODELS


def test_student_and_teacher_grids_differ():
    # student: 8 frames at 2x2, teacher: 16 frames at 3x4
    torch.manual_seed(0)
    student = torch.randn(2, 6, 8, 2, 2, requires_grad=True)
    teacher = torch.randn(2, 6, 16, 3, 4, requires_grad=True)
    loss = VideoFeatureLoss(loss_weight=2.0)(student, teacher)
    # common grid is the elementwise min (8, 2, 2)
    s = F.normalize(student, dim=1)
    t = F.normalize(F.adaptive_avg_pool3d(teacher, (8, 2, 2)), dim=1)
    assert loss.dim() == 0
    assert torch.allclose(loss, 2.0 * ((s - t)**2).mean())
    loss.backward()
    assert student.grad.abs().sum() > 0 and teacher.grad is None


def test_output_size_and_no_normalize():
    student = torch.ones(1, 2, 4, 2, 2)
    teacher = torch.full((1, 2, 8, 4, 4), 3.0)
    # pooled to one value per channel: (1 - 3)^2 = 4
    loss = VideoFeatureLoss(output_size=(1, 1, 1), normalize=False)
    assert loss(student, teacher).item() == pytest.approx(4.0)
    # normalised, the two point the same way
    assert VideoFeatureLoss()(student,
                              teacher).item() == pytest.approx(0.0, abs=1e-7)


def test_zero_for_identical_features():
    x = torch.randn(2, 4, 3, 5, 5, generator=torch.Generator().manual_seed(0))
    assert VideoFeatureLoss()(x, x.clone()).item() == pytest.approx(0.0,
                                                                    abs=1e-7)


def test_builds_from_config():
    loss = MODELS.build(dict(type='VideoFeatureLoss', output_size=(2, 2, 2)))
    assert isinstance(loss, VideoFeatureLoss)
    assert loss.output_size == (2, 2, 2)


@pytest.mark.parametrize(
    's_shape, t_shape',
    [
        ((8, 4, 2, 2), (1, 4, 8, 2, 2)),  # 2D student features
        ((1, 4, 8, 2, 2), (8, 4, 2, 2)),  # 2D teacher features
        ((2, 4, 8, 2, 2), (1, 4, 8, 2, 2)),  # different N
        ((1, 4, 8, 2, 2), (1, 6, 8, 2, 2)),  # different C
    ])
def test_bad_shapes_name_both(s_shape, t_shape):
    with pytest.raises(ValueError) as err:
        VideoFeatureLoss()(torch.randn(s_shape), torch.randn(t_shape))
    assert str(s_shape) in str(err.value) and str(t_shape) in str(err.value)


@pytest.mark.parametrize('kwargs, name', [
    (dict(loss_weight=-1.0), 'loss_weight'),
    (dict(output_size=(2, 2)), 'output_size'),
    (dict(output_size=(2, 0, 2)), 'output_size'),
])
def test_invalid_arguments_fail_in_init(kwargs, name):
    with pytest.raises(ValueError, match=name):
        VideoFeatureLoss(**kwargs)
