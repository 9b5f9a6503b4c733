"""PreciseBNHook in a real (small) Runner."""
import pytest
import torch
from mmengine.evaluator import BaseMetric, Evaluator
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


def make_runner(tmp_path, hooks, train_cfg=None, **kwargs):
    return Runner(
        model=ToyModel(),
        work_dir=str(tmp_path),
        train_dataloader=dict(dataset=ToyData(), batch_size=16,
                              sampler=dict(type='DefaultSampler',
                                           shuffle=True),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.5)),
        train_cfg=dict(by_epoch=True, **(train_cfg or dict(max_epochs=2))),
        custom_hooks=hooks,
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1)),
        default_scope='mmlight',
        randomness=dict(seed=0), **kwargs)


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


class CountingHook(PreciseBNHook):
    """Records the (1-based) epochs after which the statistics were redone."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.epochs = []

    def after_train_epoch(self, runner):
        before = self.last_used
        self.last_used = None
        super().after_train_epoch(runner)
        if self.last_used is not None:
            self.epochs.append(runner.epoch + 1)
        else:
            self.last_used = before


def run_with_validation(tmp_path, hook_kwargs, **train_cfg):
    hook = CountingHook(num_samples=16, **hook_kwargs)

    class Metric(BaseMetric):
        runs = []  # one entry per validation

        def process(self, data_batch, data_samples):
            self.results.append(1)

        def compute_metrics(self, results):
            Metric.runs.append(len(results))
            return dict(acc=0.5)

    runner = make_runner(
        tmp_path, [hook], train_cfg,
        val_dataloader=dict(dataset=ToyData(), batch_size=16,
                            sampler=dict(type='DefaultSampler',
                                         shuffle=False),
                            collate_fn=dict(type='default_collate')),
        val_evaluator=Evaluator(Metric()),
        val_cfg=dict(type='ValLoop'))
    runner.train()
    return hook.epochs, len(Metric.runs)


@pytest.mark.parametrize('train_cfg,epochs', [
    (dict(max_epochs=5), [1, 2, 3, 4, 5]),
    (dict(max_epochs=6, val_begin=4), [4, 5, 6]),
    (dict(max_epochs=5, val_interval=2), [2, 4, 5]),
    # mmengine: interval 3 from the epoch before milestone 3 on
    (dict(max_epochs=6, dynamic_intervals=[(3, 3)]), [1, 3, 6]),
])
def test_default_runs_before_each_validation(tmp_path, train_cfg, epochs):
    # the epochs validated after are exactly those refreshed before
    done, validations = run_with_validation(tmp_path, {}, **train_cfg)
    assert done == epochs
    assert validations == len(epochs)


def test_an_interval_runs_whether_or_not_validation_follows(tmp_path):
    done, validations = run_with_validation(
        tmp_path, dict(interval=2), max_epochs=5, val_begin=5)
    assert done == [2, 4, 5]
    assert validations == 1


def test_without_validation_it_runs_every_epoch(tmp_path):
    hook = CountingHook(num_samples=16)
    runner = make_runner(tmp_path, [hook])
    runner.train()
    assert hook.epochs == [1, 2]
