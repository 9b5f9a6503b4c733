"""RandomStateHook in a real (small) Runner: checkpoints carry the
generator states, a resume restores them, validation draws nothing."""
import random

import numpy as np
import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset

from mmlight.engine import RandomStateHook

from null_metric import NullMetric


class NoisyData(Dataset):
    """Draws from Python's and NumPy's generators, as augmentation does."""

    def __len__(self):
        return 16

    def __getitem__(self, i):
        noise = random.random() + np.random.rand()
        return dict(inputs=torch.full((4, ), float(i) + noise),
                    label=torch.tensor(i % 2))


class DropoutModel(BaseModel):
    """Draws from torch's generator in training (dropout)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.drop = nn.Dropout(0.5)

    def forward(self, inputs, label=None, mode='tensor'):
        out = self.fc(self.drop(inputs))
        if mode == 'loss':
            return dict(loss=nn.functional.cross_entropy(out, label))
        return [dict(pred=out, label=label)]


def make_runner(work_dir, max_epochs=3, val_interval=1, resume=False):
    loader = dict(dataset=NoisyData(), batch_size=4, num_workers=0,
                  sampler=dict(type='DefaultSampler', shuffle=True),
                  collate_fn=dict(type='default_collate'))
    val_kwargs = dict(val_dataloader=dict(loader, sampler=dict(
        type='DefaultSampler', shuffle=True)), val_cfg=dict(),
        val_evaluator=[NullMetric()])
    torch.manual_seed(0)  # the model is built before the Runner seeds
    return Runner(
        model=DropoutModel(), work_dir=str(work_dir),
        train_dataloader=loader,
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs,
                       val_interval=val_interval),
        default_hooks=dict(random_state=dict(type='RandomStateHook'),
                           checkpoint=dict(type='CheckpointHook',
                                           interval=1)),
        default_scope='mmlight', randomness=dict(seed=0),
        resume=resume, **val_kwargs)


def weights(runner):
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


@pytest.mark.parametrize('with_hook', [True, False])
def test_resume_from_an_epoch_repeats_the_whole_run(tmp_path, with_hook):
    whole = make_runner(tmp_path / 'whole')
    whole.train()
    # A run that stopped after epoch 1, then resumed in a fresh Runner, as
    # after a kill.
    part = tmp_path / 'part'
    make_runner(part, max_epochs=1).train()
    resumed = make_runner(part, resume=True)
    if not with_hook:  # the premise: MMEngine's resume re-seeds
        resumed.hooks[:] = [h for h in resumed.hooks
                            if not isinstance(h, RandomStateHook)]
    resumed.train()
    a, b = weights(whole), weights(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a) == with_hook
    assert resumed.epoch == 3

    ckpt = torch.load(part / 'epoch_1.pth', weights_only=True)
    assert ckpt['random_state']['world_size'] == 1
    assert set(ckpt['random_state']['states'][0]) == {
        'python', 'numpy', 'torch', 'cuda'}


def test_validation_draws_no_training_random_numbers(tmp_path):
    # validated after every epoch, or only after the last: same weights
    with_val = make_runner(tmp_path / 'val')
    with_val.train()
    without = make_runner(tmp_path / 'noval', val_interval=3)
    without.train()
    a, b = weights(with_val), weights(without)
    assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture
def messages(hook_log):
    from mmlight.engine.hooks import random_state_hook
    return hook_log(random_state_hook)


def test_checkpoint_without_states_warns_and_trains_on(tmp_path, messages):
    part = tmp_path / 'part'
    make_runner(part, max_epochs=1).train()
    ckpt = torch.load(part / 'epoch_1.pth', weights_only=True)
    del ckpt['random_state']
    torch.save(ckpt, part / 'epoch_1.pth')
    resumed = make_runner(part, max_epochs=2, resume=True)
    resumed.train()
    assert any('holds no random states' in m for m in messages)
    assert resumed.epoch == 2


def test_persistent_workers_resume_warns(tmp_path, messages):
    part = tmp_path / 'part'
    make_runner(part, max_epochs=1).train()
    resumed = make_runner(part, max_epochs=2, resume=True)
    resumed._train_dataloader.update(num_workers=1, persistent_workers=True)
    resumed.train()
    assert any('persistent workers' in m and 'not repeat' in m
               for m in messages)


def test_checkpoint_written_inside_an_epoch_is_not_restored(tmp_path,
                                                           messages):
    part = tmp_path / 'part'
    make_runner(part, max_epochs=1).train()
    ckpt = torch.load(part / 'epoch_1.pth', weights_only=True)
    ckpt['random_state']['epoch_end'] = False
    torch.save(ckpt, part / 'epoch_1.pth')
    make_runner(part, max_epochs=2, resume=True).train()
    assert any('written inside an epoch' in m for m in messages)
    assert not any('restored from' in m for m in messages)


def test_workers_started_each_epoch_get_new_seeds(tmp_path):
    # MMEngine seeds them alike every epoch; the hook by (seed, epoch)
    runner = make_runner(tmp_path, max_epochs=1)
    runner._train_dataloader.update(num_workers=2, persistent_workers=False)
    runner._train_loop = runner.build_train_loop(runner._train_loop)
    hook = next(h for h in runner.hooks if isinstance(h, RandomStateHook))
    seeds = []
    for epoch in (0, 1, 2, 1):
        runner.train_loop._epoch = epoch
        hook.before_train_epoch(runner)
        seeds.append(runner.train_dataloader.worker_init_fn.keywords['seed'])
    assert seeds == [0, 2, 4, 2]  # 2 workers, 1 rank: no seed shared
