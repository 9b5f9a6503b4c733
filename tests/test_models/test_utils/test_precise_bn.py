import pytest
import torch
from torch import nn

from mmlight.models.utils import update_bn_stats


def make_model(momentum=0.01):
    return nn.Sequential(nn.Linear(4, 4, bias=False),
                         nn.BatchNorm1d(4, momentum=momentum), nn.ReLU(),
                         nn.Dropout(0.5))


def batches(n, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(size, 4, generator=g) * 3 + 5 for _ in range(n)]


def test_stats_become_the_average_of_batch_stats():
    model = make_model()
    data = batches(5)
    with torch.no_grad():
        feats = [model[0](b) for b in data]
    used = update_bn_stats(model, data, num_iters=5)
    assert used == 5
    bn = model[1]
    expected_mean = torch.stack([f.mean(0) for f in feats]).mean(0)
    expected_var = torch.stack([f.var(0, unbiased=True) for f in feats]).mean(0)
    torch.testing.assert_close(bn.running_mean, expected_mean)
    torch.testing.assert_close(bn.running_var, expected_var)


def test_momentum_and_modes_are_restored():
    model = make_model(momentum=0.01).eval()
    update_bn_stats(model, batches(2), num_iters=2)
    assert model[1].momentum == 0.01
    assert not any(m.training for m in model.modules())


def test_fixes_stale_statistics():
    # A model whose running stats describe other weights (as after fast
    # from-scratch training with a small momentum) is wrong in eval mode;
    # after update_bn_stats, eval matches batch-statistics mode.
    model = make_model()
    data = batches(8)
    x = torch.cat(data)
    model.train()
    with torch.no_grad():
        batch_stats_out = model[:3](x)
    model.eval()
    with torch.no_grad():
        stale = model[:3](x)
    assert (stale - batch_stats_out).abs().max() > 1.0
    update_bn_stats(model, data, num_iters=8)
    with torch.no_grad():
        fixed = model[:3](x)
    assert (fixed - batch_stats_out).abs().max() < 0.2


def test_uses_fewer_batches_when_data_runs_out():
    assert update_bn_stats(make_model(), batches(2), num_iters=10) == 2


def test_model_without_bn_is_untouched():
    assert update_bn_stats(nn.Linear(4, 4), batches(2), num_iters=2) == 0


def test_bad_num_iters():
    with pytest.raises(ValueError, match='num_iters'):
        update_bn_stats(make_model(), batches(1), num_iters=0)
