"""QATEpochBasedLoop in a real Runner: `tools/train.py
configs/fall_mbv3_qat.py` from an FP32 checkpoint on a tiny SynthFall."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from mmlight.compression.quantization.pt2e import load_quantized

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
QAT = osp.join(REPO, 'configs', 'fall_mbv3_qat.py')


def train(tmp_path, work, ckpt, options, *extra):
    out = subprocess.run([
        sys.executable, osp.join(REPO, 'tools', 'train.py'), QAT,
        '--work-dir', str(work), *extra, '--cfg-options',
        f'load_from={ckpt}', 'train_cfg.max_epochs=1',
        'train_cfg.disable_observer_begin=-1',
        'default_hooks.logger.interval=1', *options
    ], cwd=tmp_path, env=dict(os.environ, PYTHONWARNINGS='ignore'),
        capture_output=True, text=True, timeout=600)
    return out.returncode, out.stdout + out.stderr


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    from mmengine.config import Config

    from mmlight.registry import MODELS
    from mmlight.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(QAT).model)
    path = tmp_path_factory.mktemp('ckpt') / 'fp32.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


@pytest.mark.slow
def test_qat_trains_validates_converts_saves_and_refuses_resume(
        synthfall_tiny, synthfall_options, checkpoint, tmp_path):
    work = tmp_path / 'work'
    options = synthfall_options(synthfall_tiny, 4)
    code, log = train(tmp_path, work, checkpoint, options)
    assert code == 0, log[-4000:]
    assert log.index('Load checkpoint') < log.index('QAT: backbone exported')
    n = sum(1 for k in torch.load(checkpoint)['state_dict']
            if k.startswith('backbone.') and 'running' not in k
            and 'num_batches' not in k)
    assert f'the optimizer holds {n}/{n} parameters of the graph' in log
    assert 'Epoch(train) [1][4/4]' in log
    assert 'Epoch(val) [1]' in log  # the fake-quantized model
    assert 'QAT: converted to INT8' in log
    assert 'QAT: INT8 model on the val set: acc/top1' in log, log[-3000:]
    int8, meta = load_quantized(str(work / 'int8_qat_model.pt2'))
    assert meta['mode'] == 'qat' and meta['epochs'] == 1
    with torch.no_grad():
        assert int8(torch.randn(3, 8, 3, 48, 64)).shape == (3, 7)
    # the epoch checkpoint holds the fake-quantized graph's state
    state = torch.load(work / 'epoch_1.pth', weights_only=False)['state_dict']
    assert any(k.startswith('backbone.graph_module.') for k in state)

    # resume from the latest (QAT) checkpoint of `work`
    code, log = train(tmp_path, work, None, options, '--resume')
    assert code != 0
    assert 'resuming QAT (epoch 1) is not supported' in log, log[-3000:]


@pytest.mark.parametrize('kwargs, match', [
    (dict(disable_observer_begin=0), '`disable_observer_begin`'),
    (dict(quantizer_cfg=dict(bits=4)), 'unknown keys'),
])
def test_bad_arguments_fail_when_the_loop_is_built(kwargs, match):
    from mmlight.engine.runner.qat_epoch_based_loop import QATEpochBasedLoop
    with pytest.raises(ValueError, match=match):
        QATEpochBasedLoop(runner=None, dataloader=None, max_epochs=1,
                          **kwargs)
