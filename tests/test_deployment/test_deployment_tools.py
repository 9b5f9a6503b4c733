"""tools/deployment/*.py end to end on a tiny generated SynthFall, in fresh
processes, as a user runs them."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from mmlight.reports import load_predictions

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(REPO, 'tools', 'deployment')


def run(args: list, cwd, ok: bool = True) -> str:
    env = dict(os.environ, PYTHONWARNINGS='ignore', OMP_NUM_THREADS='1')
    out = subprocess.run([sys.executable, *args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=300)
    log = out.stdout + out.stderr
    assert (out.returncode == 0) == ok, log[-4000:]
    return log


@pytest.fixture
def tiny_student(tmp_path):
    """A config inheriting the TSM student at width 0.5, and a checkpoint
    of its (random) weights."""
    from mmlight.deployment import build_recognizer
    from mmlight.utils import load_config
    config = tmp_path / 'tiny_tsm.py'
    config.write_text(
        f"_base_ = ['{REPO}/configs/fall_mbv3s_tsm.py']\n"
        'model = dict(backbone=dict(backbone=dict(width_mult=0.5)),\n'
        '             cls_head=dict(in_channels=288))\n')
    torch.manual_seed(0)
    model = build_recognizer(load_config(str(config)))
    checkpoint = tmp_path / 'tiny_tsm.pth'
    torch.save({'meta': {}, 'state_dict': model.state_dict()}, checkpoint)
    return str(config), str(checkpoint)


@pytest.mark.slow
def test_export_verify_then_test_onnx(tiny_student, synthfall_tiny,
                                      synthfall_options, tmp_path):
    config, checkpoint = tiny_student
    options = ['--cfg-options', *synthfall_options(synthfall_tiny, 4)]
    fp32, int8 = tmp_path / 'out' / 'm.onnx', tmp_path / 'out' / 'm8.onnx'
    log = run([osp.join(TOOLS, 'export_onnx.py'), config, checkpoint,
               '--out', str(fp32), '--int8', str(int8), '--calib-batches',
               '16', '--verify', '--threads', '1', *options], tmp_path)
    assert fp32.is_file() and int8.is_file()
    # the val split has one batch of 4: said, and calibrated on
    val = synthfall_tiny / 'val.txt'
    n_val = len(val.read_text().splitlines())
    assert n_val <= 4
    assert (f'16 calibration batches asked, but val_dataloader ({n_val} '
            f'clips of {val}, batch size 4) has only 1: calibration on 1'
            in log), log[-3000:]
    assert 'calibration (val_dataloader): batch 1/1, ' in log
    assert 'verification (test_dataloader): batch 1/' in log
    rows = {line.split('|')[1].strip(): line.split('|')[2:-1]
            for line in log.splitlines() if line.startswith('| ')}
    assert {'pytorch', 'onnx_fp32', 'onnx_int8'} <= set(rows), log[-3000:]
    # FP32 ONNX: same predictions as PyTorch, logits within 1e-4
    assert rows['onnx_fp32'][2].strip() == '100.00'
    assert float(rows['onnx_fp32'][3]) < 1e-4
    assert rows['onnx_fp32'][1] == rows['pytorch'][1]  # same top-1
    assert 'INT8 file is' in log

    dump = tmp_path / 'preds.pkl'
    log = run([osp.join(TOOLS, 'test_onnx.py'), config, str(int8),
               '--dump', str(dump), '--threads', '1', *options], tmp_path)
    assert 'acc/top1:' in log and 'confusion_matrix/result' in log
    assert 'test (test_dataloader): batch 1/' in log
    gt, pred = load_predictions(str(dump))
    n_test = len((synthfall_tiny / 'test.txt').read_text().split('\n')) - 1
    assert len(gt) == len(pred) == n_test


@pytest.mark.slow
def test_export_openvino_verify_then_test_the_ir(tiny_student, synthfall_tiny,
                                                 synthfall_options,
                                                 tmp_path):
    config, checkpoint = tiny_student
    options = ['--cfg-options', *synthfall_options(synthfall_tiny, 4)]
    int8 = tmp_path / 'ov' / 'm.xml'
    log = run([osp.join(TOOLS, 'export_openvino.py'), config, checkpoint,
               '--out', str(int8), '--verify', '--latency', '--threads', '1',
               *options], tmp_path)
    for name in ('m.xml', 'm.bin', 'm_fp32.xml', 'm_fp32.bin',
                 'm_fp32.onnx'):
        assert (tmp_path / 'ov' / name).is_file(), name
    assert 'calibration (val_dataloader): batch 1/1, ' in log
    assert f'INT8 OpenVINO IR (NNCF PTQ): {int8}' in log
    rows = {line.split('|')[1].strip(): line.split('|')[2:-1]
            for line in log.splitlines() if line.startswith('| ')}
    assert {'pytorch', 'openvino_fp32', 'openvino_int8'} <= set(rows), \
        log[-3000:]
    # FP32 IR (f32 inference precision): PyTorch's predictions and logits
    assert rows['openvino_fp32'][2].strip() == '100.00'
    assert float(rows['openvino_fp32'][3]) < 1e-4
    assert 'OpenVINO ms (bs1)' in log and 'INFERENCE_NUM_THREADS=1' in log
    assert 'INT8 file is' in log

    dump = tmp_path / 'preds.pkl'
    log = run([osp.join(TOOLS, 'test_onnx.py'), config, str(int8),
               '--dump', str(dump), '--threads', '1', *options], tmp_path)
    assert 'acc/top1:' in log and 'confusion_matrix/result' in log
    gt, pred = load_predictions(str(dump))
    n_test = len((synthfall_tiny / 'test.txt').read_text().split('\n')) - 1
    assert len(gt) == len(pred) == n_test


def test_export_openvino_refuses_an_out_that_is_no_ir(tiny_student, tmp_path,
                                                     monkeypatch, capsys):
    import runpy
    config, checkpoint = tiny_student
    monkeypatch.setattr(sys, 'argv', ['export_openvino.py', config,
                                      checkpoint, '--out',
                                      str(tmp_path / 'm.onnx')])
    with pytest.raises(SystemExit):
        runpy.run_path(osp.join(TOOLS, 'export_openvino.py'),
                       run_name='__main__')
    assert 'error: --out must be an OpenVINO .xml' in capsys.readouterr().err
    assert not list(tmp_path.glob('m*'))


@pytest.mark.parametrize('tool,args,message', [
    ('export_onnx.py', ['no.pth', '--out', 'm.onnx'],
     'checkpoint not found: .*no.pth'),
    ('test_onnx.py', ['no.onnx'],
     'ONNX or OpenVINO model not found: .*no.onnx'),
])
def test_missing_files_fail_naming_them(tiny_student, tmp_path, monkeypatch,
                                        tool, args, message):
    # In this process (a fresh one spends ~10 s importing): the tools check
    # their input files before building anything.
    import runpy
    config, _ = tiny_student
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, 'argv', [tool, config, *args])
    with pytest.raises(FileNotFoundError, match=message):
        runpy.run_path(osp.join(TOOLS, tool), run_name='__main__')
    assert not (tmp_path / 'm.onnx').exists()
