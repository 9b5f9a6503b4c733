"""WorkerPriorityHook in a real (small) Runner: train, val and test workers
start niced, draw the same random numbers as without the hook, and the
loaders keep their own worker_init_fn between epochs."""
import os
import random
from functools import partial

import numpy as np
import pytest
import torch
from mmengine.dataset import worker_init_fn as default_worker_init_fn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset

from mmlight.engine import RandomStateHook, WorkerPriorityHook
from mmlight.engine.hooks.worker_priority_hook import \
    lower_priority_worker_init

from null_metric import NullMetric

pytestmark = pytest.mark.skipif(not hasattr(os, 'nice'),
                                reason='os.nice is POSIX only')


class WorkerData(Dataset):
    """Each item: the nice value of the process that loads it, and a draw
    from NumPy's generator (seeded per worker by MMEngine)."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(inputs=torch.tensor(
            [float(os.getpriority(os.PRIO_PROCESS, 0)),
             float(np.random.rand() + random.random())]),
            label=torch.tensor(i % 2))


class Recorder(BaseModel):
    """Records every batch it sees, by mode."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.seen = dict(loss=[], predict=[])

    def forward(self, inputs, label=None, mode='tensor'):
        self.seen[mode].append(inputs.clone())
        out = self.fc(inputs * 0)
        if mode == 'loss':
            return dict(loss=nn.functional.cross_entropy(out, label))
        return [dict(pred=out, label=label)]


def run(work_dir, hooks, epochs=2, num_workers=2):
    loader = dict(dataset=WorkerData(), batch_size=4,
                  num_workers=num_workers, persistent_workers=False,
                  sampler=dict(type='DefaultSampler', shuffle=False),
                  collate_fn=dict(type='default_collate'))
    model = Recorder()
    runner = Runner(
        model=model, work_dir=str(work_dir), train_dataloader=loader,
        train_cfg=dict(by_epoch=True, max_epochs=epochs, val_interval=1),
        val_dataloader=loader, val_cfg=dict(), val_evaluator=[NullMetric()],
        test_dataloader=loader, test_cfg=dict(),
        test_evaluator=[NullMetric()],
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.0)),
        default_hooks=dict(checkpoint=None), custom_hooks=hooks,
        randomness=dict(seed=3), default_scope='mmlight',
        experiment_name=str(work_dir).strip('/').replace('/', '_'))
    runner.train()
    runner.test()
    seen = {mode: torch.cat(batches) for mode, batches in model.seen.items()}
    return runner, seen


def test_workers_start_niced_and_draw_the_same_numbers(tmp_path):
    parent = os.getpriority(os.PRIO_PROCESS, 0)
    runner, niced = run(tmp_path / 'niced', [WorkerPriorityHook(5)])
    _, plain = run(tmp_path / 'plain', [])
    # train 2 epochs of 8; val 2 x 8 and test 8
    assert len(niced['loss']) == 16 and len(niced['predict']) == 24
    for mode in ('loss', 'predict'):
        assert (niced[mode][:, 0] == min(parent + 5, 19)).all(), mode
        assert (plain[mode][:, 0] == parent).all(), mode
        # MMEngine's seeding of each worker is untouched
        assert torch.equal(niced[mode][:, 1], plain[mode][:, 1]), mode
    assert os.getpriority(os.PRIO_PROCESS, 0) == parent
    for loader in (runner.train_dataloader, runner.val_dataloader,
                   runner.test_dataloader):
        init = loader.worker_init_fn
        assert isinstance(init, partial) and \
            init.func is default_worker_init_fn


def test_random_state_hook_still_reseeds_each_epoch(tmp_path):
    """RandomStateHook swaps in per-epoch worker seeds before the priority
    is lowered: epochs draw other numbers, exactly as without the hook."""
    _, niced = run(tmp_path / 'niced',
                   [RandomStateHook(), WorkerPriorityHook()])
    _, plain = run(tmp_path / 'plain', [RandomStateHook()])
    assert torch.equal(niced['loss'][:, 1], plain['loss'][:, 1])
    assert not torch.equal(niced['loss'][:8, 1], niced['loss'][8:, 1])
    assert (niced['loss'][:, 0] > plain['loss'][:, 0]).all() or \
        (plain['loss'][:, 0] == 19).all()


def test_no_workers_no_change(tmp_path):
    parent = os.getpriority(os.PRIO_PROCESS, 0)
    runner, seen = run(tmp_path, [WorkerPriorityHook()], epochs=1,
                       num_workers=0)
    assert (seen['loss'][:, 0] == parent).all()
    init = runner.train_dataloader.worker_init_fn
    assert not (isinstance(init, partial)
                and init.func is lower_priority_worker_init)


def test_cpu_only_skips_a_gpu_run(monkeypatch):
    from mmlight.engine.hooks import worker_priority_hook
    monkeypatch.setattr(worker_priority_hook, 'get_device', lambda: 'cuda')
    assert not WorkerPriorityHook()._applies()
    assert WorkerPriorityHook(cpu_only=False)._applies()
    assert not WorkerPriorityHook(0, cpu_only=False)._applies()


@pytest.mark.parametrize('increment', [20, -1, 2.5, True, '19'])
def test_bad_increment_names_the_key(increment):
    with pytest.raises(ValueError, match='increment'):
        WorkerPriorityHook(increment)


def test_the_runtime_registers_it():
    from mmengine.config import Config
    cfg = Config.fromfile(os.path.join(
        os.path.dirname(__file__), '..', '..', '..', 'configs', '_base_',
        'default_runtime.py'))
    assert cfg.default_hooks.worker_priority.type == 'WorkerPriorityHook'
