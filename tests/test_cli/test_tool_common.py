"""mmlight.cli.common: train/test argument merging and run_tool's one-line
user errors."""
import pytest
from mmengine.config import Config

from mmlight.cli.common import merge_test_args, merge_train_args
from mmlight.cli.test import build_parser as build_test_parser
from mmlight.cli.train import build_parser as build_train_parser


def cfg():
    return Config(dict(optim_wrapper=dict(optimizer=dict(type='SGD')),
                       randomness=dict(seed=0), test_evaluator=dict(
                           type='AccMetric')))


def test_seed_overrides_config_randomness():
    args = build_train_parser().parse_args(['c.py', '--seed', '7'])
    out = merge_train_args(cfg(), args)
    assert out.randomness['seed'] == 7
    assert out.work_dir.endswith('work_dirs/c')


def test_amp_switches_wrapper():
    args = build_train_parser().parse_args(['c.py', '--amp'])
    assert merge_train_args(cfg(), args).optim_wrapper.type == \
        'AmpOptimWrapper'


def test_resume_missing_checkpoint_fails_early(tmp_path):
    missing = str(tmp_path / 'nope.pth')
    args = build_train_parser().parse_args(['c.py', '--resume', missing])
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        merge_train_args(cfg(), args)


def test_resume_auto():
    args = build_train_parser().parse_args(['c.py', '--resume'])
    out = merge_train_args(cfg(), args)
    assert out.resume is True and out.load_from is None


def test_test_missing_checkpoint_fails_early(tmp_path):
    args = build_test_parser().parse_args(['c.py', str(tmp_path / 'x.pth')])
    with pytest.raises(FileNotFoundError, match='x.pth'):
        merge_test_args(cfg(), args)


def test_test_dump_appends_dump_metric(tmp_path):
    ckpt = tmp_path / 'x.pth'
    ckpt.write_bytes(b'')
    args = build_test_parser().parse_args(
        ['c.py', str(ckpt), '--dump', str(tmp_path / 'p.pkl'),
         '--cfg-options', 'test_cfg.fp16=False'])
    out = merge_test_args(cfg(), args)
    assert out.load_from == str(ckpt)
    assert out.test_evaluator[-1]['type'] == 'DumpResults'
    assert out.test_cfg.fp16 is False


def test_epochs_rescales_the_schedule_that_ends_with_training():
    c = Config(dict(
        optim_wrapper=dict(optimizer=dict(type='SGD')),
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=10),
        param_scheduler=[
            dict(type='LinearLR', by_epoch=True, begin=0, end=1),
            dict(type='CosineAnnealingLR', T_max=10, by_epoch=True, begin=0,
                 end=10),
            dict(type='MultiStepLR', by_epoch=False, milestones=[10], end=10),
        ]))
    args = build_train_parser().parse_args(['c.py', '--epochs', '3'])
    out = merge_train_args(c, args)
    assert out.train_cfg.max_epochs == 3
    warmup, cosine, by_iter = out.param_scheduler
    assert warmup['end'] == 1  # a warm-up keeps its length
    assert cosine['T_max'] == 3 and cosine['end'] == 3
    assert by_iter['end'] == 10  # iteration-based: not an epoch count


def test_epochs_must_be_positive():
    args = build_train_parser().parse_args(['c.py', '--epochs', '0'])
    c = Config(dict(train_cfg=dict(max_epochs=10)))
    with pytest.raises(ValueError, match='--epochs'):
        merge_train_args(c, args)


def test_distributed_cpu_runs_use_gloo_and_refuse_sync_bn(monkeypatch):
    import torch
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    args = build_train_parser().parse_args(['c.py', '--launcher', 'pytorch'])
    config = cfg()
    config.env_cfg = dict(dist_cfg=dict(backend='nccl'))
    out = merge_train_args(config, args)
    assert out.env_cfg.dist_cfg.backend == 'gloo'
    assert out.model_wrapper_cfg.device_ids is None
    # --cfg-options sync_bn=torch (README's Slurm line) fails at start-up
    args = build_train_parser().parse_args(
        ['c.py', '--launcher', 'pytorch', '--cfg-options', 'sync_bn=torch'])
    with pytest.raises(ValueError, match="sync_bn='torch'.*needs CUDA"):
        merge_train_args(cfg(), args)


def schedule_cfg():
    return Config(dict(
        optim_wrapper=dict(optimizer=dict(type='SGD')),
        randomness=dict(seed=0), train_cfg=dict(max_epochs=15),
        param_scheduler=[
            dict(type='LinearLR', by_epoch=True, begin=0, end=1),
            dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=15,
                 T_max=15)
        ]))


def test_cfg_options_max_epochs_rescales_the_schedule():
    # before: the 15-epoch cosine stayed with a 1-epoch run
    args = build_train_parser().parse_args(
        ['c.py', '--cfg-options', 'train_cfg.max_epochs=1'])
    out = merge_train_args(schedule_cfg(), args)
    assert out.train_cfg.max_epochs == 1
    assert out.param_scheduler[1].end == 1 and out.param_scheduler[1].T_max \
        == 1
    assert out.param_scheduler[0].end == 1  # the warm-up is kept


def test_deterministic_starts_train_workers_each_epoch():
    c = schedule_cfg()
    c.train_dataloader = dict(num_workers=2, persistent_workers=True)
    c.val_dataloader = dict(num_workers=2, persistent_workers=True)
    args = build_train_parser().parse_args(['c.py', '--deterministic'])
    out = merge_train_args(c, args)
    assert out.train_dataloader.persistent_workers is False
    assert out.val_dataloader.persistent_workers is True
    plain = merge_train_args(schedule_cfg(), build_train_parser().parse_args(
        ['c.py']))
    assert 'train_dataloader' not in plain


def test_run_tool_ends_a_user_error_with_one_line(capsys, monkeypatch):
    from mmlight.datasets import AnnotationError
    from mmlight.cli.common import run_tool
    monkeypatch.delenv('MMLIGHT_TRACEBACK', raising=False)

    def bad_line():
        raise AnnotationError('ann.txt', 3, 'no label')

    with pytest.raises(SystemExit) as info:
        run_tool(bad_line, 'tools/train.py')
    assert info.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ['tools/train.py: error: ann.txt:3: no label']

    def worker():  # how torch re-raises a worker's error
        raise RuntimeError(
            'Caught VideoReadError in DataLoader worker process 0.\n'
            'Original Traceback (most recent call last):\n  ...\n'
            'mmlight.datasets.errors.VideoReadError: a.mp4: cannot decode')

    with pytest.raises(SystemExit):
        run_tool(worker, 'tools/train.py')
    assert capsys.readouterr().err.strip() == \
        'tools/train.py: error: a.mp4: cannot decode'

    def bug():
        raise KeyError('a bug keeps its traceback')

    with pytest.raises(KeyError):
        run_tool(bug, 'tools/train.py')


def test_cfg_options_scheduler_keys_beside_max_epochs_win():
    args = build_train_parser().parse_args(
        ['c.py', '--cfg-options', 'train_cfg.max_epochs=20',
         'param_scheduler.1.end=10'])
    out = merge_train_args(schedule_cfg(), args)
    assert out.param_scheduler[1].end == 10  # as given
    assert out.param_scheduler[1].T_max == 20  # rescaled with max_epochs


def test_per_optimizer_schedules_are_rescaled():
    from mmlight.cli.common import set_max_epochs
    c = schedule_cfg()
    c.param_scheduler = dict(generator=[dict(type='CosineAnnealingLR',
                                             end=15, T_max=15)],
                             discriminator=dict(type='StepLR', end=15))
    set_max_epochs(c, 3)
    assert c.param_scheduler.generator[0].T_max == 3
    assert c.param_scheduler.discriminator.end == 3


def test_run_tool_unwraps_a_recreated_worker_error(capsys):
    from mmlight.cli.common import run_tool

    def worker():  # torch re-creates FileNotFoundError with the traceback
        raise FileNotFoundError(
            'Caught FileNotFoundError in DataLoader worker process 1.\n'
            'Original Traceback (most recent call last):\n  ...\n'
            'FileNotFoundError: video not found: a.mp4')

    with pytest.raises(SystemExit):
        run_tool(worker, 'tools/train.py')
    assert capsys.readouterr().err.strip() == \
        'tools/train.py: error: video not found: a.mp4'


@pytest.mark.parametrize('val_begin,epochs,expected', [
    (8, 8, 5),    # the last half of 15 stays the last half of 8
    (8, 16, 9),
    (15, 4, 4),   # never past the last epoch: it is still validated
    (1, 4, 1),
])
def test_epochs_scales_val_begin(val_begin, epochs, expected):
    from mmlight.cli.common import set_max_epochs
    c = schedule_cfg()
    c.train_cfg.val_begin = val_begin
    set_max_epochs(c, epochs)
    assert c.train_cfg.val_begin == expected
