"""PreciseBNHook in a real (small) Runner."""
import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import BatchSampler, Dataset, RandomSampler

from mmlight.engine import PreciseBNHook


class ToyData(Dataset):

    def __len__(self):
        return 64

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        return dict(inputs=torch.randn(4, generator=g) * 3 + 5,
                    label=torch.tensor(i % 2))


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 8)
        self.bn = nn.BatchNorm1d(8, momentum=0.01)
        self.head = nn.Linear(8, 2)

    def forward(self, inputs, label=None, mode='tensor'):
        inputs = torch.stack(inputs) if isinstance(inputs, list) else inputs
        out = self.head(torch.relu(self.bn(self.fc(inputs))))
        if mode == 'loss':
            label = torch.stack(label) if isinstance(label, list) else label
            return dict(loss=nn.functional.cross_entropy(out, label))
        return out


def make_runner(tmp_path, hooks):
    return Runner(
        model=ToyModel(),
        work_dir=str(tmp_path),
        train_dataloader=dict(dataset=ToyData(), batch_size=16,
                              sampler=dict(type='DefaultSampler',
                                           shuffle=True),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.5)),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        custom_hooks=hooks,
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1)),
        default_scope='mmlight',
        randomness=dict(seed=0))


def test_hook_refreshes_bn_after_each_epoch(tmp_path):
    runner = make_runner(tmp_path / 'with',
                         [dict(type='PreciseBNHook', num_samples=64)])
    runner.train()
    hook = next(h for h in runner.hooks if isinstance(h, PreciseBNHook))
    assert hook.last_used == 4  # 64 samples / batch 16
    # The stats now are those of the final weights: eval output equals the
    # output computed with whole-dataset batch statistics.
    model = runner.model
    x = torch.stack([ToyData()[i]['inputs'] for i in range(64)])
    with torch.no_grad():
        h = model.fc(x)
    torch.testing.assert_close(model.bn.running_mean, h.mean(0),
                               atol=1e-4, rtol=1e-4)
    # Without the hook, momentum 0.01 leaves the stats far from it.
    plain = make_runner(tmp_path / 'without', [])
    plain.train()
    with torch.no_grad():
        h = plain.model.fc(x)
    assert (plain.model.bn.running_mean - h.mean(0)).abs().max() > 0.5


@pytest.mark.parametrize('kwargs,name', [(dict(num_samples=0), 'num_samples'),
                                         (dict(interval=0), 'interval')])
def test_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        PreciseBNHook(**kwargs)


def test_a_batch_sampler_loader_counts_clips(tmp_path):
    # with batch_sampler=..., DataLoader.batch_size is None: the hook uses
    # the mean batch of the epoch (here 8) to reach num_samples
    runner = make_runner(tmp_path, [dict(type='PreciseBNHook',
                                         num_samples=32)])
    data = ToyData()
    runner._train_dataloader = dict(
        dataset=data, batch_size=1,  # DataLoader's "unset" with a sampler
        sampler=dict(type='DefaultSampler', shuffle=True),
        batch_sampler=BatchSampler(RandomSampler(data), 8, drop_last=False),
        collate_fn=dict(type='default_collate'))
    runner.train()
    assert runner.train_dataloader.batch_size is None
    hook = next(h for h in runner.hooks if isinstance(h, PreciseBNHook))
    assert hook.last_used == 4  # 32 samples / batch 8
