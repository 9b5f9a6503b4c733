import copy

import torch
import torch.nn as nn

from mmlight.models.utils import (frozen_bn_stats, is_checkpointing,
                                  set_checkpointing)


def _block():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Dropout(0.3), nn.Conv2d(8, 4, 1))


def _step(model, x):
    torch.manual_seed(1)  # same dropout masks on both paths
    model.train()
    loss = model(x).square().mean()
    loss.backward()
    return loss


def test_checkpointing_changes_nothing_but_memory():
    plain = _block()
    cp = copy.deepcopy(plain)
    set_checkpointing(cp)
    assert is_checkpointing(cp) and not is_checkpointing(plain)
    assert list(cp.state_dict()) == list(plain.state_dict())
    x = torch.randn(4, 3, 6, 6)
    torch.testing.assert_close(_step(cp, x), _step(plain, x))
    for (name, p), q in zip(plain.named_parameters(), cp.parameters()):
        torch.testing.assert_close(q.grad, p.grad, msg=name)
    # BN saw one update, not two (the recomputation restores stats)
    for a, b in zip(plain.buffers(), cp.buffers()):
        torch.testing.assert_close(a, b)
    assert cp[1].num_batches_tracked.item() == 1


def test_checkpointing_off_and_in_eval():
    model = _block()
    set_checkpointing(model)
    model.eval()
    with torch.no_grad():
        model(torch.randn(1, 3, 4, 4))  # plain path, no error
    set_checkpointing(model, False)
    assert not is_checkpointing(model) and 'forward' not in model.__dict__


def test_deepcopy_keeps_checkpointing_bound_to_the_copy():
    model = _block()
    set_checkpointing(model)
    clone = copy.deepcopy(model)
    assert is_checkpointing(clone)
    assert clone.forward.args[0] is clone


def test_frozen_bn_stats_restores_buffers():
    bn = nn.BatchNorm2d(3).train()
    before = [b.clone() for b in bn.buffers()]
    with frozen_bn_stats(bn):
        bn(torch.randn(4, 3, 2, 2))
    for a, b in zip(before, bn.buffers()):
        assert torch.equal(a, b)
