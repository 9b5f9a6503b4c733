"""Tiny recognizers for the deployment and ONNX quantization tests, exported
once a session.

The dynamo exporter takes seconds even for a tiny TSM student, so the FP32
files are session fixtures (loaded by `tests/conftest.py` as a plugin).
"""
import copy

import pytest
import torch

NORM = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
# TSM student: MobileNetV3-Small (width 0.5) with a temporal shift, 4 frames.
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
STUDENT_SHAPE = (1, 4, 3, 32, 32)
# OpenVINO 2026.4's CPU plugin returns no rows for the NNCF INT8 student at
# 32x32 (1x1 feature maps, see OvRecognizer): the OpenVINO tests use 48x64
STUDENT48_SHAPE = (1, 4, 3, 48, 64)
# SlowOnly-R18-like 3D CNN, 8 base channels (Conv3d everywhere).
TEACHER = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3dSlowOnly', depth=18, base_channels=8,
                  pretrained=None, lateral=False, conv1_kernel=(1, 7, 7),
                  conv1_stride_t=1, pool1_stride_t=1, inflate=(0, 0, 1, 1)),
    cls_head=dict(type='I3DHead', in_channels=64, num_classes=3,
                  average_clips='prob'),
    data_preprocessor=dict(type='ActionDataPreprocessor',
                           format_shape='NCTHW', **NORM))
TEACHER_SHAPE = (1, 2, 3, 8, 32, 32)  # two views a clip


def build(cfg: dict, shape: tuple, seed: int = 0):
    """A random recognizer whose predictions depend on its input.

    A freshly initialised network barely reacts to its input and predicts
    one class for everything, which would make any agreement test pass. So
    the BN statistics are set from a batch of N(0, 1) clips (as after
    training), and the classifier is re-drawn to give logits of unit spread
    around zero on such clips.
    """
    from mmlight.registry import MODELS
    from mmlight.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    torch.manual_seed(seed)
    model = MODELS.build(copy.deepcopy(cfg))
    x = torch.randn((16, ) + tuple(shape[1:]))
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None  # cumulative average: this batch's stats
    feats = []
    fc = model.cls_head.fc_cls
    hook = fc.register_forward_hook(lambda mod, i, o: feats.append(i[0]))
    with torch.no_grad():
        model.train()(x, mode='tensor', stage='head')
        model.eval()(x, mode='tensor', stage='head')
    hook.remove()
    mean, std = feats[-1].mean(0), feats[-1].std(0) + 1e-6
    with torch.no_grad():
        weight = torch.randn_like(fc.weight) / std / mean.numel()**0.5
        fc.weight.copy_(weight)
        fc.bias.copy_(-(weight @ mean))
    return model.eval()


@pytest.fixture(scope='session')
def student():
    return build(STUDENT, STUDENT_SHAPE)


@pytest.fixture(scope='session')
def teacher():
    return build(TEACHER, TEACHER_SHAPE)


@pytest.fixture(scope='session')
def student_onnx(student, tmp_path_factory):
    from mmlight.deployment import export_onnx
    path = tmp_path_factory.mktemp('student') / 'student.onnx'
    return export_onnx(student, STUDENT_SHAPE, str(path))


@pytest.fixture(scope='session')
def student48_onnx(tmp_path_factory):
    """The TSM student with its BN statistics and head set up at 48x64."""
    from mmlight.deployment import export_onnx
    path = tmp_path_factory.mktemp('student48') / 'student.onnx'
    return export_onnx(build(STUDENT, STUDENT48_SHAPE), STUDENT48_SHAPE,
                       str(path))


@pytest.fixture(scope='session')
def teacher_onnx(teacher, tmp_path_factory):
    from mmlight.deployment import export_onnx
    path = tmp_path_factory.mktemp('teacher') / 'teacher.onnx'
    return export_onnx(teacher, TEACHER_SHAPE, str(path), dynamic_views=True)


@pytest.fixture(scope='session')
def student_shape():
    return STUDENT_SHAPE


@pytest.fixture(scope='session')
def student48_shape():
    return STUDENT48_SHAPE


@pytest.fixture(scope='session')
def teacher_shape():
    return TEACHER_SHAPE
