"""ResumeScheduleHook in a real (small) Runner: `--resume` with more epochs
follows the longer schedule, as if the run had been planned so."""
import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset


class ToyData(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(inputs=torch.full((4, ), float(i)),
                    label=torch.tensor(i % 2))


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, inputs, label=None, mode='tensor'):
        out = self.fc(inputs)
        if mode == 'loss':
            return dict(loss=nn.functional.cross_entropy(out, label))
        return out


class LrLog:
    """Collects the LR of every training iteration."""

    def __init__(self):
        self.lrs = []

    def hook(self):
        from mmengine.hooks import Hook
        log = self

        class Record(Hook):

            def before_train_iter(self, runner, batch_idx, data_batch=None):
                log.lrs.append(runner.optim_wrapper.param_groups[0]['lr'])

        return Record()


def make_runner(work_dir, epochs, resume=False, hook=True):
    hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1))
    if hook:
        hooks['resume_schedule'] = dict(type='ResumeScheduleHook')
    return Runner(
        model=ToyModel(), work_dir=str(work_dir),
        train_dataloader=dict(dataset=ToyData(), batch_size=4,
                              sampler=dict(type='DefaultSampler',
                                           shuffle=False),
                              collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
                 end=3),
            dict(type='CosineAnnealingLR', T_max=epochs, eta_min=0.0,
                 by_epoch=True, begin=0, end=epochs)
        ],
        train_cfg=dict(by_epoch=True, max_epochs=epochs),
        default_hooks=hooks, default_scope='mmlight',
        randomness=dict(seed=0), resume=resume)


def train(runner):
    log = LrLog()
    runner.register_hook(log.hook())
    runner.train()
    return log.lrs


@pytest.fixture
def messages(hook_log):
    from mmlight.engine.hooks import resume_schedule_hook
    return hook_log(resume_schedule_hook)


def test_resume_with_more_epochs_follows_the_new_schedule(tmp_path,
                                                          messages):
    whole = train(make_runner(tmp_path / 'whole', epochs=5))
    short = tmp_path / 'short'
    train(make_runner(short, epochs=2))
    resumed = make_runner(short, epochs=5, resume=True)
    lrs = train(resumed)
    # epochs 3-5 (2 iterations each) have the 5-epoch run's LRs, bitwise
    assert len(lrs) == 6 and lrs == whole[4:]
    assert len(messages) == 1 and 'T_max 2 -> 5' in messages[0]
    assert 'replayed over the 2 epochs done' in messages[0]


def test_plain_mmengine_resume_stays_at_the_old_minimum(tmp_path):
    # The premise: without the hook epochs 3-5 train at the 2-epoch
    # cosine's end (the LR never recovers).
    short = tmp_path / 'short'
    old = train(make_runner(short, epochs=2))
    lrs = train(make_runner(short, epochs=5, resume=True, hook=False))
    assert lrs == [old[-1]] * 6


def test_unchanged_schedule_resumes_as_mmengine_does(tmp_path, messages):
    whole = train(make_runner(tmp_path / 'whole', epochs=3))
    part = tmp_path / 'part'
    train(make_runner(part, epochs=3))
    (part / 'epoch_3.pth').unlink()
    (part / 'epoch_2.pth').unlink()
    (part / 'last_checkpoint').write_text(str(part / 'epoch_1.pth'))
    resumed = make_runner(part, epochs=3, resume=True)
    lrs = train(resumed)
    assert lrs == whole[2:] and not messages


def test_a_scheduler_added_on_resume_is_replayed(tmp_path, messages):
    short = tmp_path / 'short'
    train(make_runner(short, epochs=2))
    resumed = make_runner(short, epochs=2, resume=True)
    resumed.param_schedulers.append(dict(type='ConstantLR', factor=0.5,
                                         by_epoch=True, begin=0, end=5))
    resumed._train_loop.update(max_epochs=4)
    train(resumed)
    assert len(messages) == 1 and "scheduler absent -> present" in \
        messages[0]


def test_schedule_changes_ignores_metric_driven_and_callable_state():
    from mmengine.optim.scheduler import ReduceOnPlateauLR

    from mmlight.utils.schedule import schedule_changes
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1)
    plateau = ReduceOnPlateauLR(opt, monitor='loss')
    saved = dict(plateau.state_dict(), best=0.5, num_bad_epochs=2)
    assert schedule_changes(plateau, saved) == {}
