"""SparsityOptimWrapper adds exactly the penalty's gradient before the
step; built from a config by its constructor, also in a real Runner."""
import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmlight.engine.optim_wrappers.sparsity_optim_wrapper import \
    SparsityOptimWrapper
from mmlight.engine.optim_wrappers.sparsity_optim_wrapper_constructor import \
    SparsityOptimWrapperConstructor  # noqa: F401 (registers it)
from mmlight.registry import OPTIM_WRAPPER_CONSTRUCTORS


class ToyData(Dataset):

    def __len__(self):
        return 16

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return dict(inputs=torch.randn(3, 8, 8, generator=g),
                    label=torch.tensor(i % 2))


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 2)
        with torch.no_grad():  # gammas of both signs
            self.bn.weight.copy_(torch.linspace(-1, 1, 8))

    def forward(self, inputs, label=None, mode='tensor'):
        inputs = torch.stack(inputs) if isinstance(inputs, list) else inputs
        x = torch.relu(self.bn(self.conv(inputs))).mean((2, 3))
        out = self.fc(x)
        if mode == 'loss':
            label = torch.stack(label) if isinstance(label, list) else label
            return dict(loss=nn.functional.cross_entropy(out, label))
        return out


def build(model, sparsity, lr=1.0):
    return OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type='SparsityOptimWrapperConstructor',
             optim_wrapper_cfg=dict(
                 type='SparsityOptimWrapper', sparsity=sparsity,
                 optimizer=dict(type='SGD', lr=lr))))(model)


def grads_at_step(model, wrapper):
    """Run one update and return the gradients the optimizer saw."""
    seen = {}
    step = wrapper.optimizer.step

    def spy(*args, **kwargs):
        seen.update({n: p.grad.clone() for n, p in model.named_parameters()})
        return step(*args, **kwargs)

    wrapper.optimizer.step = spy
    batch = ToyData()[0]
    loss = model(batch['inputs'][None], batch['label'][None], mode='loss')
    plain = {n: g.clone() for n, g in zip(
        dict(model.named_parameters()),
        torch.autograd.grad(loss['loss'], list(model.parameters()),
                            retain_graph=True))}
    wrapper.update_params(loss['loss'])
    return plain, seen


def test_bn_l1_adds_weight_times_sign_gamma():
    model = ToyModel()
    wrapper = build(model, dict(type='bn_l1', weight=1e-2))
    assert isinstance(wrapper, SparsityOptimWrapper)
    gamma = model.bn.weight.detach().clone()
    plain, seen = grads_at_step(model, wrapper)
    torch.testing.assert_close(seen['bn.weight'],
                               plain['bn.weight'] + 1e-2 * torch.sign(gamma))
    for name in ('conv.weight', 'bn.bias', 'fc.weight', 'fc.bias'):
        torch.testing.assert_close(seen[name], plain[name])
    # SGD with lr 1 applied the regularised gradient
    torch.testing.assert_close(model.bn.weight.detach(),
                               gamma - seen['bn.weight'])


def test_group_l2_adds_normalised_filters():
    model = ToyModel()
    wrapper = build(model, dict(type='group_l2', weight=1e-2))
    w = model.conv.weight.detach().clone()
    plain, seen = grads_at_step(model, wrapper)
    norms = w.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    torch.testing.assert_close(seen['conv.weight'],
                               plain['conv.weight'] + 1e-2 * w / norms)
    torch.testing.assert_close(seen['bn.weight'], plain['bn.weight'])


def test_no_sparsity_is_a_plain_wrapper():
    model = ToyModel()
    plain, seen = grads_at_step(model, build(model, None))
    for name in plain:
        torch.testing.assert_close(seen[name], plain[name])


@pytest.mark.parametrize('sparsity, match', [
    (dict(type='l1'), 'bn_l1'),
    (dict(type='bn_l1', weight=-1), 'sparsity.weight'),
    (dict(type='bn_l1', scale=1), 'unknown keys'),
    ('bn_l1', 'sparsity'),
])
def test_bad_sparsity_fails_in_init(sparsity, match):
    opt = torch.optim.SGD(ToyModel().parameters(), lr=0.1)
    with pytest.raises(ValueError, match=match):
        SparsityOptimWrapper(optimizer=opt, sparsity=sparsity)


def test_unbound_wrapper_says_how_to_build_it():
    opt = torch.optim.SGD(ToyModel().parameters(), lr=0.1)
    wrapper = SparsityOptimWrapper(optimizer=opt,
                                   sparsity=dict(type='bn_l1'))
    with pytest.raises(RuntimeError, match='SparsityOptimWrapperConstructor'):
        wrapper.step()


def test_sparse_training_in_a_runner(tmp_path):
    runner = Runner(
        model=ToyModel(),
        work_dir=str(tmp_path),
        train_dataloader=dict(dataset=ToyData(), batch_size=8,
                              sampler=dict(type='DefaultSampler',
                                           shuffle=False),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(
            type='SparsityOptimWrapper',
            constructor='SparsityOptimWrapperConstructor',
            sparsity=dict(type='bn_l1', weight=0.5),
            optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1)),
        default_scope='mmlight',
        randomness=dict(seed=0))
    before = runner.model.bn.weight.detach().abs().sum()
    runner.train()
    assert isinstance(runner.optim_wrapper, SparsityOptimWrapper)
    # 4 steps of lr * weight = 0.05 shrink each |gamma| by about 0.2
    assert runner.model.bn.weight.detach().abs().sum() < before - 1.0
