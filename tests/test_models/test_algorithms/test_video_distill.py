import pytest
import torch
from mmaction.structures import ActionDataSample

from mmlight.registry import MODELS
from mmlight.utils.checkpoint_io import CheckpointError

NORM = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
TEACHER = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3dSlowOnly', depth=18, base_channels=8,
                  pretrained=None, lateral=False, conv1_kernel=(1, 7, 7),
                  conv1_stride_t=1, pool1_stride_t=1, inflate=(0, 0, 1, 1)),
    cls_head=dict(type='I3DHead', in_channels=64, num_classes=3),
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           format_shape='NCTHW', **NORM))
STUDENT = dict(
    type='Recognizer2D',
    backbone=dict(type='TemporalAdapter', num_segments=4,
                  backbone=dict(type='torchvision.mobilenet_v3_small',
                                width_mult=0.5),
                  temporal_cfg=dict(type='shift')),
    cls_head=dict(type='TSNHead', in_channels=288, num_classes=3,
                  average_clips='prob',
                  consensus=dict(type='AvgConsensus', dim=1)),
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           format_shape='NCHW', **NORM))
KD = dict(
    type='mmrazor.ConfigurableDistiller',
    student_recorders=dict(
        logits=dict(type='mmrazor.ModuleOutputs', source='cls_head')),
    teacher_recorders=dict(
        logits=dict(type='mmrazor.ModuleOutputs', source='cls_head')),
    distill_losses=dict(loss_kd=dict(type='KDLoss', tau=2.0)),
    loss_forward_mappings=dict(
        loss_kd=dict(
            preds_S=dict(from_student=True, recorder='logits'),
            preds_T=dict(from_student=False, recorder='logits'))))


@pytest.fixture
def teacher_ckpt(tmp_path):
    torch.manual_seed(0)
    teacher = MODELS.build(TEACHER)
    path = str(tmp_path / 'teacher.pth')
    torch.save({'meta': {}, 'state_dict': teacher.state_dict()}, path)
    return path


def _algo(ckpt, **kwargs):
    kwargs.setdefault('student_view', dict(num_frames=4))
    return MODELS.build(dict(type='VideoDistill', student=STUDENT,
                             teacher=TEACHER, teacher_ckpt=ckpt,
                             distiller=KD, **kwargs))


def _batch(n=2, t=8):
    torch.manual_seed(1)
    inputs = [torch.randint(0, 255, (1, 3, t, 32, 32)).float()
              for _ in range(n)]
    samples = [ActionDataSample().set_gt_label(torch.tensor([i % 3]))
               for i in range(n)]
    return dict(inputs=inputs, data_samples=samples)


def test_loss_trains_the_student_only(teacher_ckpt):
    algo = _algo(teacher_ckpt, student_loss_weight=0.5).train()
    data = algo.data_preprocessor(_batch(), True)
    losses = algo(**data, mode='loss')
    assert {'student.loss_cls', 'distill.loss_kd'} <= set(losses)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert all(p.grad is not None for p in algo.student.cls_head.parameters())
    assert not algo.teacher.training
    assert all(p.grad is None for p in algo.teacher.parameters())
    # the teacher is neither saved nor optimised
    assert not any(k.startswith('teacher') for k in algo.state_dict())
    assert all(not n.startswith('teacher') for n, _ in
               algo.named_parameters())


def test_student_loss_weight_and_distill_scale(teacher_ckpt):
    algo = _algo(teacher_ckpt).train()
    data = algo.data_preprocessor(_batch(), True)
    torch.manual_seed(0)
    full = algo(**data, mode='loss')
    algo.student_loss_weight, algo.distill_loss_scale = 0.25, 2.0
    torch.manual_seed(0)
    scaled = algo(**data, mode='loss')
    torch.testing.assert_close(scaled['student.loss_cls'],
                               0.25 * full['student.loss_cls'])
    torch.testing.assert_close(scaled['distill.loss_kd'],
                               2.0 * full['distill.loss_kd'])
    algo.distillation_stopped = True
    assert 'distill.loss_kd' not in algo(**data, mode='loss')


def test_kd_loss_uses_both_networks_outputs(teacher_ckpt):
    from mmlight.models.losses import KDLoss
    algo = _algo(teacher_ckpt).eval()  # deterministic dropout
    batch = _batch()
    data = algo.data_preprocessor(batch, True)
    losses = algo.loss(**data)
    with torch.no_grad():
        t = algo.teacher.data_preprocessor(dict(batch), False)
        t_logits = algo.teacher._forward(t['inputs'], stage='head')
        views = algo.student_inputs(batch['inputs'])
        s = algo.student.data_preprocessor(
            dict(inputs=views, data_samples=batch['data_samples']), False)
        s_logits = algo.student._forward(s['inputs'], stage='head')
    expected = KDLoss(tau=2.0)(s_logits, t_logits)
    torch.testing.assert_close(losses['distill.loss_kd'], expected)


def test_predict_runs_the_student_on_its_own_inputs(teacher_ckpt):
    algo = _algo(teacher_ckpt).eval()
    inputs = [torch.randint(0, 255, (4, 3, 32, 32)).float()]
    with torch.no_grad():
        out = algo(inputs, [ActionDataSample()], mode='predict')
    assert out[0].pred_score.shape == (3, )


def test_precise_bn_forward_touches_student_bns(teacher_ckpt):
    algo = _algo(teacher_ckpt).train()
    bn = next(m for m in algo.student.modules()
              if isinstance(m, torch.nn.BatchNorm2d))
    before = bn.running_mean.clone()
    algo.precise_bn_forward(algo, _batch())
    assert not torch.equal(bn.running_mean, before)


def test_bad_teacher_checkpoint_fails_at_build(tmp_path, teacher_ckpt):
    with pytest.raises(FileNotFoundError, match='missing.pth') as info:
        _algo(str(tmp_path / 'missing.pth'))
    assert '--cfg-options model.teacher_ckpt=' in str(info.value)
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(b'PK\x03\x04 truncated')
    with pytest.raises(CheckpointError, match='cut.pth: cannot read the '
                       'teacher checkpoint'):
        _algo(str(cut))
    wrong = str(tmp_path / 'student.pth')
    torch.save({'state_dict': MODELS.build(STUDENT).state_dict()}, wrong)
    with pytest.raises(ValueError, match=r'student\.pth does not fit the '
                       r'teacher .*missing keys'):
        _algo(wrong)


def test_bad_arguments(teacher_ckpt):
    with pytest.raises(ValueError, match='student_view: unknown keys'):
        _algo(teacher_ckpt, student_view=dict(frames=4))
    with pytest.raises(ValueError, match='student_loss_weight'):
        _algo(teacher_ckpt, student_loss_weight=-1)


def test_cached_teacher_logits_replace_the_teacher(teacher_ckpt, tmp_path):
    from mmlight.models.losses import KDLoss
    from mmlight.models.utils.teacher import save_teacher_logits
    cached = {'a.mp4': torch.tensor([3.0, 0.0, -3.0]),
              'b.mp4': torch.tensor([0.0, 2.0, 0.0])}
    path = str(tmp_path / 'logits.pth')
    save_teacher_logits(cached, path, config='x')
    algo = _algo(teacher_ckpt, teacher_logits=path).eval()
    batch = _batch()
    for sample, name in zip(batch['data_samples'], cached):
        sample.set_metainfo(dict(filename=name))
    losses = algo.loss(**algo.data_preprocessor(batch, True))
    with torch.no_grad():
        views = algo.student_inputs(batch['inputs'])
        s = algo.student.data_preprocessor(
            dict(inputs=views, data_samples=batch['data_samples']), False)
        s_logits = algo.student._forward(s['inputs'], stage='head')
    expected = KDLoss(tau=2.0)(s_logits, torch.stack(list(cached.values())))
    torch.testing.assert_close(losses['distill.loss_kd'], expected)

    batch['data_samples'][0].set_metainfo(dict(filename='c.mp4'))
    with pytest.raises(KeyError, match='no cached teacher logits for c.mp4'):
        algo.loss(**algo.data_preprocessor(batch, True))
    with pytest.raises(KeyError, match='meta_keys'):
        algo.loss(**algo.data_preprocessor(_batch(), True))


def test_cached_logits_cannot_feed_feature_losses(teacher_ckpt, tmp_path):
    from mmlight.models.utils.teacher import save_teacher_logits
    path = str(tmp_path / 'logits.pth')
    save_teacher_logits({'a.mp4': torch.zeros(3)}, path)
    distiller = dict(KD, teacher_recorders=dict(
        logits=dict(type='mmrazor.ModuleOutputs', source='cls_head'),
        feat=dict(type='mmrazor.ModuleOutputs', source='backbone')))
    with pytest.raises(ValueError, match="records \\['feat', 'logits'\\]"):
        MODELS.build(dict(type='VideoDistill', student=STUDENT,
                          teacher=TEACHER, teacher_ckpt=teacher_ckpt,
                          distiller=distiller, teacher_logits=path))


def test_random_student_view_only_in_training(teacher_ckpt):
    algo = _algo(teacher_ckpt,
                 student_view=dict(num_frames=4, sampling='random')).train()
    clips = _batch(n=1, t=8)['inputs']
    torch.manual_seed(0)
    views = {tuple(algo.student_inputs(clips)[0][:, 0, 0, 0].tolist())
             for _ in range(20)}
    assert len(views) > 1
    fixed = algo.eval().student_inputs(clips)[0]
    torch.testing.assert_close(fixed, clips[0][0, :, 1::2].transpose(0, 1))
    with pytest.raises(ValueError, match='student_view.sampling'):
        _algo(teacher_ckpt, student_view=dict(sampling='dense'))
    with pytest.raises(ValueError, match="teacher_view: unknown keys"):
        _algo(teacher_ckpt, teacher_view=dict(frames=4))


def test_teacher_view_takes_its_own_frames(teacher_ckpt):
    # 12 decoded frames: the teacher takes 4 strided ones (1, 4, 7, 10),
    # the student 4 TSN segments over all 12.
    algo = _algo(teacher_ckpt, teacher_view=dict(num_frames=4)).train()
    clips = _batch(n=2, t=12)['inputs']
    t_inputs = algo._teacher_inputs(clips)
    assert t_inputs[0].shape == (1, 3, 4, 32, 32)
    torch.testing.assert_close(t_inputs[0], clips[0][:, :, 1::3])
    seen = []
    hook = algo.teacher.backbone.register_forward_hook(
        lambda m, a, o: seen.append(a[0].shape))
    losses = algo.loss(**algo.data_preprocessor(
        dict(inputs=clips, data_samples=_batch(n=2)['data_samples']), True))
    hook.remove()
    assert seen == [(2, 3, 4, 32, 32)]
    assert torch.isfinite(losses['distill.loss_kd'])
    # without a teacher view the teacher sees every decoded frame
    assert _algo(teacher_ckpt)._teacher_inputs(clips) is clips


def test_2d_teacher_sees_the_students_frames(tmp_path):
    # A TSM teacher (NCHW) with teacher_view='student' gets exactly the
    # student's (randomly drawn) frames.
    torch.manual_seed(0)
    path = str(tmp_path / 'tsm_teacher.pth')
    torch.save({'state_dict': MODELS.build(STUDENT).state_dict()}, path)
    algo = MODELS.build(dict(
        type='VideoDistill', student=STUDENT, teacher=STUDENT,
        teacher_ckpt=path, distiller=KD, teacher_view='student',
        student_view=dict(num_frames=4, sampling='random'))).train()
    assert algo.teacher_format == 'NCHW'
    seen = {}
    for name, net in (('t', algo.teacher), ('s', algo.student)):
        net.backbone.register_forward_hook(
            lambda m, a, o, name=name: seen.__setitem__(name, a[0]))
    batch = _batch(n=2, t=12)
    losses = algo.loss(**algo.data_preprocessor(batch, True))
    assert seen['t'].shape == seen['s'].shape == (8, 3, 32, 32)
    torch.testing.assert_close(seen['t'], seen['s'])
    assert torch.isfinite(losses['distill.loss_kd'])


def test_student_starts_from_student_ckpt(teacher_ckpt, tmp_path):
    torch.manual_seed(5)
    trained = MODELS.build(STUDENT)
    path = str(tmp_path / 'student.pth')
    torch.save({'meta': {}, 'state_dict': trained.state_dict()}, path)
    algo = _algo(teacher_ckpt, student_ckpt=path)
    algo.init_weights()  # what the runner calls; loads the checkpoint last
    for key, value in trained.state_dict().items():
        assert torch.equal(algo.student.state_dict()[key], value), key
    # a checkpoint of another network fails at build time, naming it
    other = dict(STUDENT, cls_head=dict(STUDENT['cls_head'], num_classes=5))
    bad = str(tmp_path / 'other.pth')
    torch.save({'meta': {}, 'state_dict': MODELS.build(other).state_dict()},
               bad)
    with pytest.raises(Exception, match='other.pth'):
        _algo(teacher_ckpt, student_ckpt=bad)
