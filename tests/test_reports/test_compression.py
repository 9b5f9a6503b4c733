"""The compression report on a tiny TSM student and a pruned copy of it:
every file is written and loads, every row is measured on the same test
clips, and the table says what the rows say."""
import copy
import re

import numpy as np
import pytest
import torch

from mmlight.reports import compression as c

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def checkpoints(synthfall_tiny, tiny_config, tmp_path_factory):
    """A tiny student's FP32 checkpoint, and a 50%-pruned copy saved as
    ChannelPruningHook saves it (pruned shapes in ``meta``)."""
    from mmlight.deployment import build_recognizer
    from mmlight.compression.pruning import (SHAPES_KEY, ChannelPruner,
                                             apply_unstructured_pruning,
                                             pruned_shapes)
    from mmlight.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = tiny_config('fall_mbv3s_tsm.py', synthfall_tiny)
    torch.manual_seed(0)
    model = build_recognizer(cfg)
    folder = tmp_path_factory.mktemp('compression_ckpts')
    fp32 = str(folder / 'fp32.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), fp32)
    pruned_model = copy.deepcopy(model)
    pruner = ChannelPruner(pruning_ratio=0.5, round_to=8)
    pruner.attach(pruned_model, torch.randn(2, 8, 3, 48, 64))
    pruner.step()
    pruned = str(folder / 'pruned.pth')
    shapes = dict(pruned_shapes(pruned_model), root='')
    torch.save(dict(state_dict=pruned_model.state_dict(),
                    meta={SHAPES_KEY: shapes}), pruned)
    sparse_model = copy.deepcopy(model)
    apply_unstructured_pruning(sparse_model, 0.5)
    sparse = str(folder / 'unstructured.pth')
    torch.save(dict(state_dict=sparse_model.state_dict(), meta={}), sparse)
    return cfg, fp32, pruned, sparse


@pytest.fixture(scope='module')
def report(checkpoints, synthfall_tiny, tmp_path_factory):
    from mmlight.reports.benchmark import load_classes
    cfg, fp32, pruned, sparse = checkpoints
    work = tmp_path_factory.mktemp('compression')
    specs = c.build_compressed_models(cfg, fp32, str(work), cfg, pruned,
                                      calib_batches=2, unstructured_cfg=cfg,
                                      unstructured_ckpt=sparse)
    rows = c.measure_compressed_models(
        specs, cfg, load_classes(cfg, str(synthfall_tiny)), threads=1,
        batch_sizes=(1, 2), rounds=1, min_iters=1, min_seconds=0.0,
        memory=False, int8_runtime='reference')  # compiled: test_int8_runtime
    return specs, rows


def test_every_compressed_form_is_written_and_measured(report):
    specs, rows = report
    names = [r['name'] for r in rows]
    assert names == [
        'FP32 (PyTorch)', 'FP32, dynamic INT8 Linear (PyTorch)',
        'FP32 (ONNX Runtime)', 'unstructured 50% zeros (PyTorch)',
        'pruned (PyTorch)', 'pruned (ONNX Runtime)',
        'pruned INT8 (PyTorch PT2E)', 'pruned INT8 (ONNX Runtime QDQ)'
    ]
    by = {r['name']: r for r in rows}
    fp32, pruned = by['FP32 (PyTorch)'], by['pruned (PyTorch)']
    assert pruned['flops'] < 0.8 * fp32['flops']
    assert pruned['params'] < fp32['params']
    # INT8 rows count the network they quantize; ONNX rows their source's
    assert by['pruned INT8 (ONNX Runtime QDQ)']['flops'] == pruned['flops']
    assert by['FP32 (ONNX Runtime)']['params'] == fp32['params']
    # zeros in dense tensors: the same file size and network
    sparse = by['unstructured 50% zeros (PyTorch)']
    assert sparse['params'] == fp32['params']
    assert abs(sparse['size_mb'] - fp32['size_mb']) < 0.01 * fp32['size_mb']
    # int8 weights: files several times smaller than the pruned FP32 ones
    assert by['pruned INT8 (ONNX Runtime QDQ)']['size_mb'] < \
        0.5 * by['pruned (ONNX Runtime)']['size_mb']
    assert by['pruned INT8 (PyTorch PT2E)']['size_mb'] < \
        0.5 * pruned['size_mb']
    for r in rows:
        assert set(r['clips_per_s']) == {1, 2}
        assert all(v > 0 for v in r['clips_per_s'].values())
        assert 0.0 <= r['top1'] <= 1.0
    # the same test clips: an FP32 ONNX export agrees with its source
    assert by['FP32 (ONNX Runtime)']['top1_agreement'] == 1.0
    assert by['FP32 (ONNX Runtime)']['max_abs_logit_diff'] < 1e-3
    assert by['pruned (ONNX Runtime)']['top1'] == pruned['top1']
    assert fp32['top1_agreement'] is None  # a source is not compared


def test_files_load_in_a_fresh_process_as_they_are_measured(report):
    # the loaders measure.peak_memory runs in a child, run here
    specs, rows = report
    x = np.random.default_rng(0).standard_normal(
        (1, 8, 3, 48, 64)).astype(np.float32)
    outputs = {}
    fp32_path = specs[0]['path']
    for spec in specs:
        loader, args = c._loader(dict(spec, fp32_path=fp32_path), 1,
                                 'reference')
        outputs[spec['name']] = loader(*args)(x)
        assert outputs[spec['name']].shape == (1, 7)
    np.testing.assert_allclose(outputs['pruned (ONNX Runtime)'],
                               outputs['pruned (PyTorch)'], atol=1e-4)
    np.testing.assert_allclose(
        outputs['FP32, dynamic INT8 Linear (PyTorch)'],
        outputs['FP32 (PyTorch)'], atol=0.1)


def test_table_reports_the_ratios(report):
    _, rows = report
    text = c.format_compression_table(rows, threads=1)
    lines = text.splitlines()
    assert lines[0].startswith('| model | file (MB) | params (M)')
    assert 'CPU clips/s (bs1)' in lines[0] and 'CPU clips/s (bs2)' in \
        lines[0]
    assert sum(1 for line in lines if line.startswith('| ')) == 1 + 8
    assert '- Pruning: FLOPs -' in text
    assert re.search(r'- unstructured 50% zeros \(PyTorch\): file '
                     r'(0\.9\d|1\.0\d)x the FP32 one', text)
    assert '- pruned INT8 (ONNX Runtime QDQ): file ' in text
    assert 'smaller than FP32 (ONNX Runtime)' in text
    assert 'Peak memory: peak RSS of a fresh process' in text


def test_pruned_config_needs_its_checkpoint(checkpoints, tmp_path):
    cfg, fp32, _, _ = checkpoints
    with pytest.raises(ValueError, match='both the pruned config'):
        c.build_compressed_models(cfg, fp32, str(tmp_path), pruned_cfg=cfg)
    with pytest.raises(FileNotFoundError, match='no.pth'):
        c.build_compressed_models(cfg, str(tmp_path / 'no.pth'),
                                  str(tmp_path))
