"""rebind_optimizer: the optimizer follows the parameters that pruning and
QAT's exported graph put in place of the ones it holds."""
import torch
import torch.nn as nn
from pruning_models import TSM, X2D, build, logits_grad

from mmlight.compression.optimizer import rebind_optimizer
from mmlight.compression.pruning import ChannelPruner


def test_rebind_optimizer_params(no_flops):
    model = build(TSM).train()
    x = torch.randn(X2D)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    logits_grad(model, x).sum().backward()
    opt.step()
    names = dict(model.named_parameters())
    pruner = ChannelPruner(pruning_ratio=0.5)
    pruner.attach(model, x)
    pruner.step()
    named = dict(model.named_parameters())
    dropped = rebind_optimizer(opt, names, named).restarted
    params = opt.param_groups[0]['params']
    assert len(params) == len(named)
    assert {id(p) for p in params} == {id(p) for p in named.values()}
    assert 'backbone.model.features.4.block.2.fc1.weight' in dropped
    # unpruned tensors keep their Adam moments, pruned ones restart
    assert named['cls_head.fc_cls.bias'] in opt.state
    assert named['backbone.model.features.3.block.2.1.weight'] in opt.state
    assert named['backbone.model.features.4.block.2.fc1.weight'] \
        not in opt.state
    for p in model.parameters():
        p.grad = None
    logits_grad(model, x).sum().backward()
    opt.step()  # shapes agree


def test_rebind_keeps_groups_and_adds_new_trainable_parameters():
    """As QAT swaps a backbone for its exported graph: same names, new
    objects (some shared), a new name, a name gone; each group keeps its
    options, a parameter the old names do not cover stays."""
    backbone = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))
    head = nn.Linear(4, 2)
    frozen = nn.Parameter(torch.zeros(3))
    opt = torch.optim.SGD([
        dict(params=list(backbone.parameters())),
        dict(params=list(head.parameters()) + [frozen], lr=0.5)
    ], lr=0.1)
    old = {f'backbone.{n}': p for n, p in backbone.named_parameters()}
    graph = nn.Sequential(nn.Linear(4, 4), backbone[1])  # 1 is shared
    graph.register_parameter('lifted', nn.Parameter(torch.ones(2)))
    graph.register_parameter('fixed', nn.Parameter(torch.ones(2),
                                                   requires_grad=False))
    new = {f'backbone.{n}': p for n, p in graph.named_parameters()}
    del new['backbone.1.bias']  # gone from the model
    new.update((f'cls_head.{n}', p) for n, p in head.named_parameters())
    rebound = rebind_optimizer(opt, old, new)
    assert rebound.replaced == ['backbone.0.weight', 'backbone.0.bias']
    assert rebound.removed == ['backbone.1.bias']
    assert rebound.added == ['backbone.lifted']
    assert rebound.restarted == []  # SGD without momentum has no state
    first, second = opt.param_groups
    assert [id(p) for p in first['params']] == [
        id(graph[0].weight), id(graph[0].bias), id(backbone[1].weight),
        id(graph.lifted)
    ]
    assert first['lr'] == 0.1 and second['lr'] == 0.5
    assert [id(p) for p in second['params']] == [
        id(head.weight), id(head.bias), id(frozen)
    ]
