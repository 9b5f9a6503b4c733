"""tools/benchmark_cost.py's logic: input shapes set through the config,
the pruned architecture of a pruning config, INT8 files at any shape, the
tables, and the tool end to end at a tiny size."""
import os.path as osp
import subprocess
import sys

import pytest
import torch

from mmlight.reports import cost_benchmark as cb
from mmlight.utils import load_config
from mmlight.measure.complexity import infer_input_shape

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = osp.join(REPO, 'configs')


def test_parse_shape_and_named_options():
    assert cb.parse_shape('64x224x224') == (64, 224, 224)
    assert cb.parse_shape('224X160') == (None, 224, 160)
    for bad in ('224', '0x224x224', 'axbxc', '1x2x3x4'):
        with pytest.raises(ValueError, match='expected TxHxW'):
            cb.parse_shape(bad)
    assert cb.parse_named(['sf=64x224x224', '224x224'], ['sf', 'm'],
                          '--input-shape') == {'sf': '64x224x224',
                                               None: '224x224'}
    with pytest.raises(ValueError, match="'x' is not one of the models"):
        cb.parse_named(['x=1'], ['sf'], '--train-batches')


def test_input_shape_options_change_what_the_model_gets():
    # 3D: frames and size; the clip's own sampling (frame_interval) stays
    cfg = load_config(osp.join(CONFIGS, 'fall_slowfast_r50_teacher.py'))
    assert infer_input_shape(cfg) == (1, 1, 3, 24, 96, 128)
    cfg.merge_from_dict(cb.input_shape_options(cfg, 64, 224, 160))
    assert infer_input_shape(cfg) == (1, 1, 3, 64, 224, 160)
    assert infer_input_shape(dict(test_dataloader=cfg.val_dataloader)) == (
        1, 1, 3, 64, 224, 160)
    # 2D TSM: the size only; its frames are its segments
    cfg = load_config(osp.join(CONFIGS, 'fall_mbv3s_tsm.py'))
    cfg.merge_from_dict(cb.input_shape_options(cfg, None, 224, 224))
    assert infer_input_shape(cfg) == (1, 8, 3, 224, 224)
    assert cb.input_shape_options(cfg, 8, 112, 112)  # its own frame count
    with pytest.raises(ValueError, match='takes 8 frames .segments., not '
                       '16; give HxW'):
        cb.input_shape_options(cfg, 16, 224, 224)


def test_pruned_architecture_of_a_pruning_config(tmp_path):
    from mmlight.deployment import build_recognizer
    cfg = load_config(osp.join(CONFIGS, 'fall_mbv3_prune.py'))
    path = cb.pruned_architecture(cfg, str(tmp_path / 'p.pth'))
    dense = build_recognizer(load_config(osp.join(CONFIGS,
                                                  'fall_mbv3s_tsm.py')))
    pruned = build_recognizer(cfg, path)  # reshaped from the meta
    n_dense = sum(p.numel() for p in dense.parameters())
    n_pruned = sum(p.numel() for p in pruned.parameters())
    # the config's 40% of the expanded channels: 0.93M -> 0.43M
    assert 0.4 < n_pruned / n_dense < 0.55, (n_pruned, n_dense)
    with torch.no_grad():
        assert pruned(torch.randn(1, 8, 3, 48, 64), mode='tensor',
                      stage='head').shape == (1, 7)
    # a config that prunes nothing has no such architecture
    plain = load_config(osp.join(CONFIGS, 'fall_mbv3s_tsm.py'))
    assert cb.pruned_architecture(plain, str(tmp_path / 'd.pth')) is None
    assert not (tmp_path / 'd.pth').exists()


def test_int8_files_at_the_configs_shape(tmp_path):
    from mmlight.deployment import OrtRecognizer, OvRecognizer
    cfg = load_config(osp.join(CONFIGS, 'fall_mbv3s_tsm.py'))
    cfg.merge_from_dict(cb.input_shape_options(cfg, None, 64, 96))
    files = cb.make_int8_files(cfg, None, str(tmp_path),
                               ['int8_onnx', 'int8_openvino'])
    assert set(files) == {'int8_onnx', 'int8_openvino'}
    x = torch.randn(2, 8, 3, 64, 96).numpy()
    assert OrtRecognizer(files['int8_onnx'], 1)(x).shape == (2, 7)
    assert OvRecognizer(files['int8_openvino'], 1)(x).shape == (2, 7)
    with pytest.raises(ValueError, match='unknown INT8 kinds'):
        cb.make_int8_files(cfg, None, str(tmp_path), ['int4'])


ROW = dict(name='teacher', input_shape=(1, 1, 3, 64, 224, 224),
           size_mb=130.0, params=34e6, flops=100e9, peak_infer_mb=1500.0,
           clips_per_s={1: 1.0, 8: 1.2}, max_clips_per_s=1.2, max_batch=8,
           threads=2, device='cpu', error=None)
LIGHT = dict(ROW, name='light', input_shape=(1, 8, 3, 224, 224),
             size_mb=1.75, params=0.43e6, flops=0.4e9, peak_infer_mb=60.0)
TRAIN = [dict(model='teacher', variant='plain', batch=2, peak_mb=9000.0),
         dict(model='teacher', variant='plain', batch=1, peak_mb=5000.0),
         dict(model='light', variant='plain', batch=2, peak_mb=900.0),
         dict(model='light', variant='AMP + checkpointing', batch=2,
              peak_mb=300.0)]


def test_tables_and_the_seed_ratios():
    int8 = dict(LIGHT, name='light_int8_pt2e', size_mb=0.47,
                clips_per_s={1: 100.0}, compile_s={1: 14.2, 8: 20.0})
    onnx = dict(LIGHT, name='light_int8_onnx', size_mb=0.5,
                clips_per_s={1: 80.0})
    rows = [ROW, LIGHT, int8, onnx]
    assert cb.fastest(rows, ['light_int8_pt2e', 'light_int8_onnx']) == \
        'light_int8_pt2e'
    train = [dict(r, s_per_step=1.0, clips_per_s=1.0, estimate_mb=None,
                  device='cpu', error=None) for r in TRAIN]
    text = cb.format_cost_table(rows, train)
    assert '| teacher | 64x224x224 | 130.00 | 34.00 | 100.00 | 1500 | ' \
        '1.00 | 1.20 (8) | n/a |' in text
    assert '| light_int8_pt2e | 8x224x224 |' in text
    assert 'bs1 14, bs8 20 |' in text
    seed = cb.format_seed_table(rows, train, 'teacher', 'light_int8_pt2e')
    # size 130 / 0.47; training memory at the common batch 2, teacher plain
    # against the light model's FP32 source with AMP + checkpointing
    assert '| size (MB) | 328 | 43 | 7.6x | 130.0 | 0.47 | 276.6x |' in seed
    assert '(MB, bs2; teacher plain, light AMP + checkpointing) | 7987 | ' \
        '3277 | 2.4x | 9000 | 300 | 30.0x |' in seed
    assert '| clips/s bs1 (seed: FPS) | 12 | 28 | 2.3x | 1.00 | 100.0 | ' \
        '100.0x |' in seed
    with pytest.raises(ValueError, match="'gone' is not a row"):
        cb.format_seed_table(rows, train, 'gone', 'light')


@pytest.mark.slow
def test_tool_end_to_end_at_a_tiny_size(tmp_path):
    out = subprocess.run([
        sys.executable, osp.join(REPO, 'tools', 'benchmark_cost.py'),
        f'teacher={CONFIGS}/fall_slowonly_r18_teacher.py',
        f'light={CONFIGS}/fall_mbv3_prune.py',
        '--input-shape', 'teacher=8x32x48', '32x48', '--train-batches', '2',
        '--variants', 'plain', '--min-seconds', '0',
        '--min-iters', '1', '--threads', '1', '--batch-sizes', '1',
        '--teacher', 'teacher',
        '--light', 'light', '--work-dir', str(tmp_path), '--out', 't.md'
    ], capture_output=True, text=True, timeout=600,
        env=dict(__import__('os').environ, PYTHONWARNINGS='ignore'))
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    table = (tmp_path / 't.md').read_text()
    assert '| teacher | 8x32x48 |' in table and '| light | 8x32x48 |' in table
    # the light row is the pruned architecture of fall_mbv3_prune.py
    assert (tmp_path / 'light' / 'pruned_architecture.pth').is_file()
    assert '| 0.43 |' in table  # its params (M): 0.93M pruned to 0.43M
    assert table.count('| plain | 2 |') == 2
    assert '| size (MB) | 328 | 43 |' in table
    # a model name that is no model's is refused before anything runs
    out = subprocess.run([
        sys.executable, osp.join(REPO, 'tools', 'benchmark_cost.py'),
        f'a={CONFIGS}/fall_mbv3s_tsm.py', '--input-shape', 'b=8x32x32',
        '--work-dir', str(tmp_path)], capture_output=True, text=True,
        timeout=120)
    assert out.returncode == 2
    assert "'b' is not one of the models ['a']" in out.stderr
