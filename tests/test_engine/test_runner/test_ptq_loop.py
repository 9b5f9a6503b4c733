"""PTQLoop in a real Runner on a tiny generated SynthFall: `tools/test.py
configs/fall_mbv3_int8.py <FP32 checkpoint>` as a user runs it, and the
dynamic (Linear-only) mode in-process."""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from torch import nn

from mmlight.reports.benchmark import data_root_options
from mmlight.compression.quantization.pt2e import load_quantized, serialized_size

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
INT8 = osp.join(REPO, 'configs', 'fall_mbv3_int8.py')


def data_options(root) -> list:
    """--cfg-options that point a SynthFall config at `root`, small and
    single-process."""
    return data_root_options(str(root), batch_size=2, num_workers=0)


def fp32_student(seed: int) -> nn.Module:
    """The TSM student of the config with the scale of a trained one
    (BatchNorm statistics of data, a head with distinct classes)."""
    from mmlight.registry import MODELS
    torch.manual_seed(seed)
    model = MODELS.build(Config.fromfile(INT8).model)
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in bns:
        m.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model.backbone(torch.randn(32, 3, 48, 64))
    for m in bns:
        m.momentum = 0.01
    nn.init.normal_(model.cls_head.fc_cls.weight, std=576**-0.5)
    return model.eval()


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    from mmlight.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    model = fp32_student(seed=0)
    path = tmp_path_factory.mktemp('ckpt') / 'fp32.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict(epoch=15)),
               path)
    return path, model


@pytest.mark.slow
def test_tools_test_quantizes_calibrates_evaluates_and_saves(
        synthfall_tiny, checkpoint, tmp_path):
    ckpt, fp32 = checkpoint
    work = tmp_path / 'work'
    out = subprocess.run([
        sys.executable, osp.join(REPO, 'tools', 'test.py'), INT8,
        str(ckpt), '--work-dir', str(work), '--cfg-options',
        'test_cfg.calibrate_steps=2', *data_options(synthfall_tiny)
    ], cwd=tmp_path, env=dict(os.environ, PYTHONWARNINGS='ignore'),
        capture_output=True, text=True, timeout=600)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    assert 'calibrated on 2 batches (2 clips each)' in log, log[-3000:]
    assert 'acc/top1' in log and 'confusion_matrix/result' in log
    # calibration ran after the checkpoint was loaded
    assert log.index('Load checkpoint') < log.index('PTQ: exported')

    path = work / 'int8_model.pt2'
    assert path.is_file()
    assert serialized_size(fp32.state_dict()) / path.stat().st_size >= 3.5
    int8, meta = load_quantized(str(path))
    assert meta['num_segments'] == 8 and meta['input_shape'] == [
        1, 8, 3, 48, 64
    ]
    assert meta['mode'] == 'static' and len(meta['mean']) == 3
    # the saved model is the checkpoint's, quantized
    x = torch.randn(6, 8, 3, 48, 64)
    with torch.no_grad():
        got = int8(x)
        ref = fp32(x, mode='tensor', stage='head')
        other = fp32_student(seed=1)(x, mode='tensor', stage='head')
    assert got.shape == (6, 7)
    err = (got - ref).norm() / ref.norm()
    assert err < 0.5 * (other - ref).norm() / ref.norm(), err

    # tools/test.py with the .pt2 tests the saved program itself: on the
    # reference runtime, the same accuracy as the quantized model PTQLoop
    # tested; compiled (the default), oneDNN's int8 kernels round apart
    # from the reference's q/dq ops, so a clip may change its prediction
    from mmengine.runner import Runner

    from mmlight.cli.common import merge_test_args
    from mmlight.cli.test import build_parser as build_test_parser
    printed = float(re.search(r'acc/top1: ([0-9.]+)', log).group(1))
    # (test_int8_runtime.py holds the compiled program to the reference)
    for runtime in ('reference', 'inductor'):
        args = build_test_parser().parse_args([
            INT8, str(path), '--work-dir', str(tmp_path / runtime),
            '--cfg-options', *data_options(synthfall_tiny)
        ] + ([f'model.runtime={runtime}'] if runtime == 'reference' else []))
        runner = Runner.from_cfg(merge_test_args(Config.fromfile(INT8),
                                                 args))
        assert type(runner.model).__name__ == 'ExportedRecognizer'
        assert runner.model.runtime == runtime
    from mmlight.compression.quantization.int8_runtime import InductorProgram
    assert isinstance(runner.model._program[0], InductorProgram)
    reference = Runner.from_cfg(merge_test_args(
        Config.fromfile(INT8), build_test_parser().parse_args([
            INT8, str(path), '--work-dir', str(tmp_path / 'ref'),
            '--cfg-options', *data_options(synthfall_tiny),
            'model.runtime=reference'])))
    assert reference.test()['acc/top1'] == pytest.approx(printed, abs=1e-4)


@pytest.mark.slow
def test_dynamic_mode_quantizes_linear_layers_in_a_runner(
        synthfall_tiny, checkpoint, tmp_path):
    from mmengine.runner import Runner
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    from mmlight.cli.common import merge_test_args
    from mmlight.cli.test import build_parser as build_test_parser
    ckpt, _ = checkpoint
    args = build_test_parser().parse_args([
        INT8, str(ckpt), '--work-dir', str(tmp_path), '--cfg-options',
        'test_cfg.mode=dynamic', *data_options(synthfall_tiny)
    ])
    cfg = merge_test_args(Config.fromfile(INT8), args)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    assert 'acc/top1' in metrics
    assert isinstance(runner.model.cls_head.fc_cls, DynamicLinear)
    assert runner.model.backbone.__class__.__name__ == 'TemporalAdapter'
    saved = torch.load(tmp_path / 'int8_dynamic_linear.pth')
    assert saved['cls_head.fc_cls._packed_params._packed_params'][
        0].dtype == torch.qint8


@pytest.mark.parametrize('kwargs, match', [
    (dict(mode='int4'), '`mode`'),
    (dict(calibrate_steps=0), '`calibrate_steps`'),
    (dict(calibrate_dataloader='calib_dataloader'), 'calibrate_dataloader'),
    (dict(quantizer_cfg=dict(symmetric=True)), 'unknown keys'),
])
def test_bad_arguments_fail_when_the_loop_is_built(kwargs, match):
    from mmlight.engine.runner.ptq_loop import PTQLoop
    with pytest.raises(ValueError, match=match):
        PTQLoop(runner=None, dataloader=None, evaluator=None, **kwargs)
