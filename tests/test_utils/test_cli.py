import pytest
from mmengine.config import Config

from mmlight.utils import (build_test_parser, build_train_parser,
                           merge_test_args, merge_train_args)


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
