from types import SimpleNamespace

import pytest
import torch.nn as nn

from mmlight.engine.hooks import DistillScheduleHook


class _Algo(nn.Module):

    def __init__(self):
        super().__init__()
        self.distill_loss_scale = 1.0
        loss = nn.Module()
        loss.tau = 4.0
        self.distiller = SimpleNamespace(
            distill_losses=nn.ModuleDict(dict(loss_kd=loss)))


def _runner(model, epoch, max_epochs=10, iters=4):
    return SimpleNamespace(model=model, epoch=epoch, max_epochs=max_epochs,
                           train_dataloader=[None] * iters)


def test_scale_and_tau_follow_the_epochs():
    algo = _Algo()
    hook = DistillScheduleHook(scale=(1.0, 0.0), tau=(4.0, 1.0), begin=2,
                               end=6)
    hook.before_train_iter(_runner(algo, 0), 0)
    assert algo.distill_loss_scale == 1.0 and \
        algo.distiller.distill_losses['loss_kd'].tau == 4.0
    hook.before_train_iter(_runner(algo, 4), 0)  # half way
    assert algo.distill_loss_scale == pytest.approx(0.5)
    assert algo.distiller.distill_losses['loss_kd'].tau == pytest.approx(2.5)
    hook.before_train_iter(_runner(algo, 4), 2)  # 4.5 epochs: per iteration
    assert algo.distill_loss_scale == pytest.approx(0.375)
    hook.before_train_iter(_runner(algo, 9), 3)
    assert algo.distill_loss_scale == 0.0


def test_needs_a_distillation_algorithm():
    with pytest.raises(TypeError, match='distillation algorithm'):
        DistillScheduleHook(scale=(1, 0)).before_train_iter(
            _runner(nn.Linear(1, 1), 0), 0)


@pytest.mark.parametrize('kwargs,match', [
    (dict(scale=(1.0, )), 'scale'), (dict(tau=(0.0, 1.0)), 'tau'),
    (dict(begin=3, end=3), 'end'), (dict(mode='exp'), 'exp')])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DistillScheduleHook(**kwargs)
