"""ChannelPruningHook: argument checks, start-up checks, and iterative
pruning in a real (small) Runner on a generated SynthFall: the optimizer
follows the new parameters, checkpoints carry the pruned shapes."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmengine.runner import Runner

from mmlight.compression.pruning import (SHAPES_KEY, pruned_shapes,
                                         reshape_to_checkpoint)
from mmlight.compression.student_checkpoint import export_student_checkpoint
from mmlight.engine.hooks import ChannelPruningHook
from mmlight.engine.hooks.base_pruning_hook import STEPS_KEY
from mmlight.registry import MODELS

TINY = dict(
    type='Recognizer2D',
    backbone=dict(type='TemporalAdapter', num_segments=4,
                  backbone=dict(type='torchvision.mobilenet_v3_small',
                                width_mult=0.5),
                  temporal_cfg=dict(type='shift')),
    cls_head=dict(type='TSNHead', in_channels=288, num_classes=3,
                  consensus=dict(type='AvgConsensus', dim=1)))


@pytest.mark.parametrize('kwargs, match', [
    (dict(pruner=None), r'`pruner` must be a dict'),
    (dict(pruner={}, prune_at=[1, 0]), 'prune_at'),
    (dict(pruner={}, prune_at=[0, 0]), 'prune_at'),
    (dict(pruner={}, prune_at=[-1]), 'prune_at'),
    (dict(pruner={}, prune_at=[]), 'prune_at'),
    (dict(pruner={}, prune_at=2), 'prune_at'),
    (dict(pruner=dict(iterative_steps=3), prune_at=[0, 1]),
     'iterative_steps'),
    (dict(pruner=dict(ratio=0.5)), r"unknown keys \['ratio'\].*importance"),
    (dict(pruner=dict(pruning_ratio=1.0)), 'pruning_ratio'),
    (dict(pruner={}, taylor_batches=0), 'taylor_batches'),
])
def test_bad_arguments_fail_in_init(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ChannelPruningHook(**kwargs)


def fake_runner(model: nn.Module, max_epochs: int = 4, epoch: int = 0):
    return SimpleNamespace(model=model, max_epochs=max_epochs, epoch=epoch,
                           optim_wrapper=None, logger=None)


def test_start_up_checks():
    model = MODELS.build(TINY)
    hook = ChannelPruningHook(pruner={}, prune_at=[0, 4])
    with pytest.raises(ValueError, match=r'\[4\] are not < max_epochs=4'):
        hook.before_train(fake_runner(model))
    hook = ChannelPruningHook(
        pruner=dict(ignored_layers=['backbone.model.features.1.blok']))
    with pytest.raises(ValueError, match='features.1.block'):
        hook.before_train(fake_runner(model))


def test_wrappers_other_than_ddp_are_refused():
    # DDP is re-wrapped (tests/test_e2e/test_distributed.py runs it with
    # two processes); a DataParallel wrapper cannot be, and says so
    model = MODELS.build(TINY)
    hook = ChannelPruningHook(pruner={})
    wrapped = fake_runner(nn.DataParallel(model))
    with pytest.raises(NotImplementedError, match='DataParallel'):
        hook.before_train_epoch(wrapped)
    checkpoint = {'meta': {SHAPES_KEY: pruned_shapes(model)}}
    with pytest.raises(NotImplementedError, match='DataParallel'):
        hook.after_load_checkpoint(wrapped, checkpoint)


@pytest.mark.slow
def test_iterative_taylor_pruning_in_a_runner(synthfall_tiny, tmp_path,
                                               tiny_prune_cfg):
    cfg = tiny_prune_cfg(
        synthfall_tiny, tmp_path,
        dict(type='ChannelPruningHook',
             pruner=dict(importance='taylor', pruning_ratio=0.5,
                         round_to=4),
             prune_at=[0, 1], taylor_batches=2))
    runner = Runner.from_cfg(cfg)
    widths = {n: m.out_channels for n, m in runner.model.named_modules()
              if isinstance(m, nn.Conv2d)}
    runner.train()
    model = runner.model
    hook = next(h for h in runner.hooks
                if isinstance(h, ChannelPruningHook))
    assert hook.steps_done == 2
    report = hook.pruner.report()
    assert report['importance'] == 'taylor'
    assert report['flops_after'] < 0.6 * report['flops_before']
    narrowed = [n for n, m in model.named_modules()
                if isinstance(m, nn.Conv2d) and m.out_channels < widths[n]]
    assert len(narrowed) > 20
    # the TSM residual stream kept its width
    assert model.backbone.model.features[3].block[2][0].out_channels == 16
    # the optimizer trains exactly the model's (new) parameters, and its
    # state has their shapes
    params = runner.optim_wrapper.optimizer.param_groups[0]['params']
    assert {id(p) for p in params} == {id(p) for p in model.parameters()}
    for p, state in runner.optim_wrapper.optimizer.state.items():
        assert state['exp_avg'].shape == p.shape
    ckpt = torch.load(tmp_path / 'epoch_2.pth', weights_only=True)
    assert ckpt['meta'][STEPS_KEY] == 2
    assert ckpt['meta'][SHAPES_KEY]['modules'] == pruned_shapes(
        model)['modules']
    first = torch.load(tmp_path / 'epoch_1.pth', weights_only=True)
    assert first['meta'][STEPS_KEY] == 1
    # a model rebuilt from the config loads the pruned weights strictly
    fresh = MODELS.build(cfg.model)
    hook.after_load_checkpoint(SimpleNamespace(
        model=fresh, optim_wrapper=None, logger=runner.logger), ckpt)
    fresh.load_state_dict(ckpt['state_dict'], strict=True)


def test_a_distillation_algorithm_prunes_its_student(tmp_path):
    """VideoDistill: the student is pruned on its own view of a batch
    (taylor: through its own loss), the optimizer follows, and the shapes
    are recorded relative to the student."""
    from mmaction.structures import ActionDataSample
    from mmengine.logging import MMLogger
    from mmengine.optim import OptimWrapper
    teacher = dict(
        type='Recognizer3D',
        backbone=dict(type='ResNet3dSlowOnly', depth=18, base_channels=8,
                      pretrained=None, lateral=False,
                      conv1_kernel=(1, 7, 7), conv1_stride_t=1,
                      pool1_stride_t=1, inflate=(0, 0, 1, 1)),
        cls_head=dict(type='I3DHead', in_channels=64, num_classes=3),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCTHW'))
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'meta': {}, 'state_dict':
                MODELS.build(teacher).state_dict()}, ckpt)
    student = dict(TINY, data_preprocessor=dict(
        type='ActionDataPreprocessor', format_shape='NCHW'))
    kd = dict(
        type='mmrazor.ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='mmrazor.ModuleOutputs', source='cls_head')),
        teacher_recorders=dict(
            logits=dict(type='mmrazor.ModuleOutputs', source='cls_head')),
        distill_losses=dict(loss_kd=dict(type='KDLoss', tau=2.0)),
        loss_forward_mappings=dict(loss_kd=dict(
            preds_S=dict(from_student=True, recorder='logits'),
            preds_T=dict(from_student=False, recorder='logits'))))

    def algo():
        return MODELS.build(dict(
            type='VideoDistill', student=student, teacher=teacher,
            teacher_ckpt=ckpt, distiller=kd,
            student_view=dict(num_frames=4)))

    model = algo()
    batch = dict(
        inputs=[torch.randint(0, 255, (1, 3, 8, 48, 64)).float()
                for _ in range(2)],
        data_samples=[ActionDataSample().set_gt_label(torch.tensor([i]))
                      for i in range(2)])
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    runner = SimpleNamespace(
        model=model, max_epochs=2, epoch=0, optim_wrapper=wrapper,
        train_dataloader=[batch, batch],
        logger=MMLogger.get_current_instance())
    hook = ChannelPruningHook(
        pruner=dict(importance='taylor', pruning_ratio=0.5))
    hook.before_train(runner)
    hook.before_train_epoch(runner)
    assert model.student.cls_head.fc_cls.in_features == 144
    params = wrapper.optimizer.param_groups[0]['params']
    assert {id(p) for p in params} == {id(p) for p in model.parameters()}
    checkpoint = {'meta': {}}
    hook.before_save_checkpoint(runner, checkpoint)
    shapes = checkpoint['meta'][SHAPES_KEY]
    assert shapes['root'] == 'student'
    assert 'cls_head.fc_cls' in shapes['modules']
    fresh = algo()
    ChannelPruningHook(pruner={}).after_load_checkpoint(
        SimpleNamespace(model=fresh, optim_wrapper=None,
                        logger=runner.logger), checkpoint)
    fresh.load_state_dict(model.state_dict(), strict=True)

    # the student-only export loads into the plain student config's model
    src, dst = str(tmp_path / 'kd.pth'), str(tmp_path / 'kd_student.pth')
    torch.save(dict(checkpoint, state_dict=model.state_dict()), src)
    export_student_checkpoint(src, dst)
    assert torch.load(dst, weights_only=True)['meta'][SHAPES_KEY]['root'] \
        == ''
    plain = MODELS.build(student)
    assert reshape_to_checkpoint(plain, dst)
    plain.load_state_dict(
        torch.load(dst, weights_only=True)['state_dict'], strict=True)
    assert plain.cls_head.fc_cls.in_features == 144
