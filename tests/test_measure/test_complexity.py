import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from torch import nn

from mmlight.registry import MODELS
from mmlight.measure.complexity import (TensorForward, infer_input_shape,
                                      model_complexity)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASELINE = osp.join(REPO, 'configs', 'fall_mbv3_baseline.py')
TEACHER = osp.join(REPO, 'configs', 'fall_slowonly_r18_teacher.py')


def _cfg(pipeline, loader='test_dataloader'):
    return Config({loader: dict(dataset=dict(pipeline=pipeline))})


@pytest.mark.parametrize('config, shape', [
    (BASELINE, (1, 8, 3, 48, 64)),
    (TEACHER, (1, 1, 3, 16, 48, 64)),
])
def test_infer_input_shape_of_configs(config, shape):
    assert infer_input_shape(Config.fromfile(config)) == shape


def test_infer_input_shape_crop_after_resize_and_val_fallback():
    pipeline = [
        dict(type='mmaction.SampleFrames', clip_len=4, num_clips=3),
        dict(type='Resize', scale=(-1, 128)),  # keep_ratio: size unknown
        dict(type='ThreeCrop', crop_size=112),
        dict(type='FormatShape', input_format='NCTHW'),
    ]
    # No test dataloader: the val pipeline is read; one view of one clip.
    assert infer_input_shape(_cfg(pipeline, 'val_dataloader')) == (
        1, 1, 3, 4, 112, 112)
    pipeline[-1] = dict(type='FormatShape', input_format='NCHW')
    pipeline[2] = dict(type='CenterCrop', crop_size=(80, 60))  # (W, H)
    assert infer_input_shape(_cfg(pipeline)) == (1, 12, 3, 60, 80)


@pytest.mark.parametrize('drop, message', [
    ('SampleFrames', 'no SampleFrames in test_dataloader.dataset.pipeline'),
    ('Resize', 'no Resize'),
    ('FormatShape', 'no FormatShape'),
])
def test_infer_input_shape_names_missing_step(drop, message):
    pipeline = [
        dict(type='SampleFrames', clip_len=1, num_clips=8),
        dict(type='Resize', scale=(64, 48), keep_ratio=False),
        dict(type='FormatShape', input_format='NCHW'),
    ]
    pipeline = [s for s in pipeline if s['type'] != drop]
    with pytest.raises(ValueError, match=message):
        infer_input_shape(_cfg(pipeline))


def test_infer_input_shape_rejects_video_dependent_size():
    pipeline = [
        dict(type='SampleFrames', clip_len=1, num_clips=8),
        dict(type='Resize', scale=(-1, 128)),
        dict(type='FormatShape', input_format='NCHW'),
    ]
    with pytest.raises(ValueError, match='depends on the video'):
        infer_input_shape(_cfg(pipeline))
    with pytest.raises(ValueError, match='no test_dataloader'):
        infer_input_shape(Config({}))


def test_conv_flops_match_analytic_count():
    conv = nn.Conv2d(3, 8, 3, padding=1, bias=False)
    conv.train()
    result = model_complexity(conv, (2, 3, 16, 16))
    # One MAC per output element per kernel tap and input channel.
    assert result['flops'] == 2 * 8 * 16 * 16 * 3 * 3 * 3
    assert result['params'] == 8 * 3 * 3 * 3
    assert conv.training  # the mode is restored
    assert 'model' in result['table']


@pytest.mark.parametrize('config, shape', [
    (BASELINE, (1, 8, 3, 48, 64)),
    (TEACHER, (1, 1, 3, 16, 48, 64)),
])
def test_recognizer_complexity_counts_backbone_and_head(config, shape):
    model = MODELS.build(Config.fromfile(config).model)
    full = model_complexity(model, shape)
    backbone = model_complexity(model, shape, stage='backbone')
    assert full['params'] == sum(p.numel() for p in model.parameters())
    assert full['flops'] > backbone['flops'] > 0
    # The head holds at least the classifier's in x out MACs (TSNHead
    # averages the frames before its fc, so once per clip).
    fc = model.cls_head.fc_cls
    assert full['flops'] - backbone['flops'] >= (
        fc.in_features * fc.out_features)
    assert 'cls_head' in full['table']


def test_tensor_forward_returns_class_scores():
    model = MODELS.build(Config.fromfile(BASELINE).model).eval()
    with torch.no_grad():
        out = TensorForward(model)(torch.randn(1, 8, 3, 48, 64))
    assert out.shape == (1, 7)
    with pytest.raises(ValueError, match='stage'):
        TensorForward(model, stage='logits')


def _load_tool():
    path = osp.join(REPO, 'tools', 'analysis', 'get_flops.py')
    spec = importlib.util.spec_from_file_location('get_flops_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_get_flops_cli_prints_gflops(capsys):
    tool = _load_tool()
    tool.main([BASELINE, '--table'])
    out = capsys.readouterr().out
    assert 'Input shape: (1, 8, 3, 48, 64)' in out
    gflops = float(out.split('GFLOPs: ')[1].split()[0])
    assert gflops > 0
    assert 'Params (M): 0.93' in out
    assert 'backbone.features' in out  # the table
    tool.main([BASELINE, '--shape', '1', '4', '3', '48', '64'])
    out = capsys.readouterr().out
    assert 'Input shape: (1, 4, 3, 48, 64)' in out
    assert float(out.split('GFLOPs: ')[1].split()[0]) == pytest.approx(
        gflops / 2, rel=1e-3)


def test_get_flops_cli_counts_a_pruned_checkpoint(tiny_tsm_config, tmp_path,
                                                  capsys):
    from mmlight.compression.pruning import (SHAPES_KEY, ChannelPruner,
                                             pruned_shapes)
    config = str(tmp_path / 'tiny.py')
    Config(dict(model=tiny_tsm_config, default_scope='mmlight')).dump(config)
    torch.manual_seed(0)
    model = MODELS.build(tiny_tsm_config)
    shape = (1, 4, 3, 48, 64)
    full = model_complexity(model, shape)
    # saved as ChannelPruningHook saves it: the pruned shapes in meta
    pruner = ChannelPruner(pruning_ratio=0.5, round_to=8)
    pruner.attach(model, torch.randn(2, *shape[1:]))
    pruner.step()
    pruned = model_complexity(model, shape)
    assert pruned['params'] < full['params']
    ckpt = str(tmp_path / 'pruned.pth')
    torch.save(dict(state_dict=model.state_dict(),
                    meta={SHAPES_KEY: dict(pruned_shapes(model), root='')}),
               ckpt)
    tool = _load_tool()
    args = ['--shape', *map(str, shape)]
    tool.main([config, *args])
    unpruned_out = capsys.readouterr().out
    tool.main([config, ckpt, *args])
    out = capsys.readouterr().out
    assert f'Checkpoint: {ckpt}' in out
    for text, result in ((unpruned_out, full), (out, pruned)):
        assert f'Params (M): {result["params"] / 1e6:.4f}' in text
        assert f'({result["flops"]:.0f} FLOPs' in text
