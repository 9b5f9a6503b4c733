"""Channel pruning: equivalence on exactly dead channels (TSM, temporal
convs, squeeze-excitation, depthwise and 3D convs), what is left alone and
why, the pruner's options, the shape description and unstructured
pruning."""
import copy
import io
import json

import pytest
import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd

from mmlight.models.layers import DepthwiseTemporalConv, TemporalShift
from mmlight.compression.pruning import channel_pruning as cp
from mmlight.compression.pruning.channel_pruning import (
    ChannelPruner, accumulate_gradients, apply_masks, apply_pruned_shapes,
    apply_unstructured_pruning, find_unprunable_layers, format_report,
    pruned_shapes, rebind_optimizer_params, zero_masks)
from mmlight.registry import MODELS

T = 4
TSM = dict(
    type='Recognizer2D',
    backbone=dict(
        type='TemporalAdapter',
        num_segments=T,
        backbone=dict(type='torchvision.mobilenet_v3_small', width_mult=0.5),
        temporal_cfg=dict(type='shift')),
    cls_head=dict(type='TSNHead', in_channels=288, num_classes=3,
                  average_clips='prob',
                  consensus=dict(type='AvgConsensus', dim=1)))
TSM_CONV = copy.deepcopy(TSM)
TSM_CONV['backbone']['temporal_cfg'] = [dict(type='shift'),
                                        dict(type='conv')]
R3D = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3dSlowOnly', depth=18, base_channels=8,
                  pretrained=None, lateral=False, conv1_kernel=(1, 7, 7),
                  conv1_stride_t=1, pool1_stride_t=1, inflate=(0, 0, 1, 1)),
    cls_head=dict(type='I3DHead', in_channels=64, num_classes=3))
C2P1D = copy.deepcopy(TSM)
C2P1D['backbone']['temporal_cfg'] = None
C2P1D['cls_head'] = dict(type='Conv2Plus1DHead', in_channels=288,
                         num_classes=3, mid_channels=32)
AXIAL = copy.deepcopy(C2P1D)
AXIAL['cls_head'] = dict(type='AxialAttentionHead', in_channels=288,
                         num_classes=3, embed_dims=32, num_heads=2)
X2D = (2, T, 3, 48, 64)
X3D = (2, 1, 3, 8, 32, 32)


def build(cfg: dict) -> nn.Module:
    """A model in eval mode whose outputs depend on its input: random
    BatchNorm affines and temporal convs (identity temporal convs would hide
    a channel mix-up), BatchNorm statistics of random clips (stale ones let
    the signal fade layer by layer), class scores of order 1."""
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    for m in model.modules():
        if isinstance(m, _BatchNorm):
            nn.init.uniform_(m.weight, 0.5, 1.5)
            nn.init.uniform_(m.bias, -0.5, 0.5)
            m.reset_running_stats()
            m.momentum = None  # cumulative average
        elif isinstance(m, DepthwiseTemporalConv):
            nn.init.uniform_(m.conv.weight, -1, 1)
    nn.init.normal_(model.cls_head.fc_cls.weight, std=1.0)
    shape = X3D if cfg['type'] == 'Recognizer3D' else X2D
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.randn(shape), mode='tensor', stage='head')
    return model.eval()


@pytest.fixture
def no_flops(monkeypatch):
    """Skip the FLOP count (a jit trace) where a test does not read it."""
    monkeypatch.setattr(cp, '_complexity', lambda model, *args: dict(
        params=sum(p.numel() for p in model.parameters()), flops=None))


def logits(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(x, mode='tensor', stage='head')


def kill_channels(pruner: ChannelPruner, ratio: float, seed: int = 1) -> int:
    """Make exactly the channels the pruner will remove dead: in every
    prunable group, as many random channels as a local step removes get all
    their weights zeroed in every layer of the group (producers, BatchNorm
    scale and shift, depthwise and temporal convs, consumers' inputs). Their
    group-L2 importance is then 0 and removing them changes no output."""
    tp_pruner = pruner._pruner
    dg = tp_pruner.DG
    gen = torch.Generator().manual_seed(seed)
    killed = 0
    groups = list(dg.get_all_groups(
        ignored_layers=tp_pruner.ignored_layers,
        root_module_types=tp_pruner.root_module_types))
    for group in groups:
        root, fn = group[0].dep.target.module, group[0].dep.handler
        channels = len(group[0].idxs)
        n = channels - int(channels * (1 - ratio))
        if not 0 < n < channels:
            continue
        idxs = torch.randperm(channels, generator=gen)[:n].tolist()
        with torch.no_grad():
            for dep, ix in dg.get_pruning_group(root, fn, idxs):
                m = dep.target.module
                if isinstance(m, DepthwiseTemporalConv):
                    m.conv.weight[ix] = 0
                elif not isinstance(m, (_ConvNd, nn.Linear, _BatchNorm)):
                    continue
                elif dg.is_out_channel_pruning_fn(dep.handler):
                    m.weight[ix] = 0
                    if m.bias is not None:
                        m.bias[ix] = 0
                else:
                    assert getattr(m, 'groups', 1) == 1
                    m.weight[:, ix] = 0
        killed += n
    return killed


@pytest.mark.parametrize('cfg, shape', [
    (TSM, X2D), (TSM_CONV, X2D), (R3D, X3D), (C2P1D, X2D), (AXIAL, X2D)
], ids=['tsm', 'tsm+tconv', 'conv3d', 'c2plus1d_head', 'axial_head'])
def test_pruning_dead_channels_keeps_outputs(cfg, shape):
    model = build(cfg)
    x = torch.randn(shape)
    pruner = ChannelPruner('magnitude', pruning_ratio=0.5)
    pruner.attach(model, x)
    assert kill_channels(pruner, 0.5) > 0
    expected = logits(model, x)
    report = pruner.step()
    torch.testing.assert_close(logits(model, x), expected, atol=1e-5,
                               rtol=1e-4)
    assert report['channels']  # something was narrowed
    assert report['flops_after'] < 0.7 * report['flops_before']
    assert report['params_after'] < report['params_before']
    modules = dict(model.named_modules())
    for name, attrs in report['channels'].items():
        for attr, (before, after) in attrs.items():
            assert after < before
            assert getattr(modules[name], attr) == after
    narrowed = [modules[n] for n in report['channels']]
    if cfg is TSM_CONV:
        assert any(isinstance(m, DepthwiseTemporalConv) for m in narrowed)
    if cfg is R3D:
        assert any(isinstance(m, nn.Conv3d) and m.groups == 1
                   for m in narrowed)
    if cfg in (TSM, TSM_CONV, C2P1D):
        # squeeze-excitation (both convs) and depthwise convs
        assert {'backbone.model.features.4.block.2.fc1',
                'backbone.model.features.4.block.2.fc2'} <= set(
                    report['channels'])
        assert any(isinstance(m, nn.Conv2d) and m.groups > 1
                   and m.groups == m.out_channels for m in narrowed)
    if cfg is AXIAL:
        assert not any(n.startswith('cls_head') for n in report['channels'])


def test_tsm_residual_stream_must_stay(monkeypatch, no_flops):
    """Without the TemporalShift guard the residual stream is pruned and
    the shift folds move: the dead-channel equivalence breaks. The test
    above would catch a pruner that forgot TSM."""
    structural = cp._structural
    monkeypatch.setattr(cp, '_structural', lambda model: {
        m: r for m, r in structural(model).items()
        if not isinstance(m, TemporalShift)})
    noop = lambda self, layer, idxs: layer  # noqa: E731
    for attr in ('prune_out_channels', 'prune_in_channels'):
        monkeypatch.setattr(cp._TemporalShiftPruningFunc, attr, noop)
    model = build(TSM)
    x = torch.randn(X2D)
    pruner = ChannelPruner('magnitude', pruning_ratio=0.5)
    pruner.attach(model, x)
    kill_channels(pruner, 0.5)
    expected = logits(model, x)
    report = pruner.step()
    assert 'backbone.model.features.3.block.2.0' in report['channels']
    assert (logits(model, x) - expected).abs().max() > 1e-2


def test_unprunable_layers_are_listed_with_reasons():
    model = build(TSM)
    found = {n: r for m, r in find_unprunable_layers(
        model, torch.randn(X2D)).items()
        for n, mm in model.named_modules() if mm is m}
    shifts = [n for n, m in model.named_modules()
              if isinstance(m, TemporalShift)]
    assert shifts and all('TemporalShift' in found[n] for n in shifts)
    assert 'classifier' in found['cls_head.fc_cls']
    # convs and BNs writing the residual stream that the shifts read
    for name in ('backbone.model.features.2.block.2.0',
                 'backbone.model.features.3.block.2.1',
                 'backbone.model.features.11.block.3.0'):
        assert 'TemporalShift' in found[name], name
    # expanded channels, SE and the stem are prunable
    for name in ('backbone.model.features.3.block.0.0.module',
                 'backbone.model.features.4.block.2.fc1',
                 'backbone.model.features.0.0'):
        assert name not in found
    # by type only, without tracing
    by_type = find_unprunable_layers(model)
    assert len(by_type) == len(shifts) + 1


@pytest.mark.parametrize('head', [
    dict(type='AxialAttentionHead', embed_dims=32, num_heads=2),
    dict(type='WindowTemporalAttentionHead', embed_dims=32, num_heads=2,
         window_size=2, num_layers=1)
])
def test_attention_heads_are_left_whole(head):
    cfg = copy.deepcopy(C2P1D)
    cfg['cls_head'] = dict(in_channels=288, num_classes=3, **head)
    model = build(cfg)
    found = find_unprunable_layers(model, torch.randn(X2D))
    assert 'attention head' in found[model.cls_head]
    # the last backbone conv feeds the head: its channels stay too
    last = model.backbone.model.features[12][0]
    assert 'cls_head' in found[last] and 'attention' in found[last]
    pruner = ChannelPruner(pruning_ratio=0.5)
    pruner.attach(model, torch.randn(X2D))
    report = pruner.step()
    assert 'cls_head' in report['skipped']
    assert report['channels']
    assert not any(n.startswith('cls_head') for n in report['channels'])
    assert 'out_channels' not in report['channels'].get(
        'backbone.model.features.12.0', {})
    assert last.out_channels == 288
    text = format_report(report)
    assert 'cls_head: attention head' in text


def test_round_to_and_local_ratio(no_flops):
    model = build(TSM)
    pruner = ChannelPruner(pruning_ratio=0.3, round_to=8)
    pruner.attach(model, torch.randn(X2D))
    report = pruner.step()
    outs = {n: a['out_channels'] for n, a in report['channels'].items()
            if 'out_channels' in a}
    assert outs and all(after % 8 == 0 for _, after in outs.values())
    # without round_to each group keeps int(C * 0.7) channels
    model = build(TSM)
    pruner = ChannelPruner(pruning_ratio=0.3)
    pruner.attach(model, torch.randn(X2D))
    report = pruner.step()
    for name, attrs in report['channels'].items():
        if 'out_channels' in attrs:
            before, after = attrs['out_channels']
            assert after == int(before * 0.7), name


def test_global_pruning_ranks_all_groups_together():
    model = build(TSM)
    pruner = ChannelPruner(pruning_ratio=0.5, global_pruning=True)
    pruner.attach(model, torch.randn(X2D))
    report = pruner.step()
    kept = {a['out_channels'][1] / a['out_channels'][0]
            for a in report['channels'].values() if 'out_channels' in a}
    assert len(kept) > 3  # groups lose different fractions
    assert report['flops_after'] < report['flops_before']


def test_iterative_steps_reach_the_ratio_and_resume(no_flops):
    x = torch.randn(X2D)
    one = build(TSM)
    pruner = ChannelPruner(pruning_ratio=0.5, iterative_steps=2)
    pruner.attach(one, x)
    first = pruner.step()
    conv = 'backbone.model.features.9.block.0.0'
    assert first['channels'][conv]['out_channels'] == [144, 108]
    second = pruner.step()
    assert second['channels'][conv]['out_channels'] == [144, 72]
    assert second['steps_done'] == 2
    with pytest.raises(RuntimeError, match='steps are done'):
        pruner.step()
    # a resumed run: a fresh pruner on the model after step 1 reaches the
    # same widths (within rounding)
    two = build(TSM)
    p1 = ChannelPruner(pruning_ratio=0.5, iterative_steps=2)
    p1.attach(two, x)
    p1.step()
    resumed = ChannelPruner(pruning_ratio=0.5, iterative_steps=2)
    resumed.attach(two, x, steps_done=1)
    resumed.step()
    widths = {n: m.out_channels for n, m in two.named_modules()
              if isinstance(m, nn.Conv2d)}
    ref = {n: m.out_channels for n, m in one.named_modules()
           if isinstance(m, nn.Conv2d)}
    assert all(abs(widths[n] - ref[n]) <= 1 for n in ref)


@pytest.mark.parametrize('kwargs, match', [
    (dict(pruning_ratio=1.0), 'pruning_ratio'),
    (dict(pruning_ratio=-0.1), 'pruning_ratio'),
    (dict(importance='l1'), 'importance'),
    (dict(round_to=0), 'round_to'),
    (dict(iterative_steps=0), 'iterative_steps'),
    (dict(max_pruning_ratio=0), 'max_pruning_ratio'),
    (dict(pruning_ratio_dict={'backbone': 1.5}), 'pruning_ratio_dict'),
])
def test_bad_arguments_fail_early(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ChannelPruner(**kwargs)


def test_unknown_layer_names_fail_with_close_matches(no_flops):
    model = build(TSM)
    pruner = ChannelPruner(ignored_layers=['backbone.model.features.0.O'])
    with pytest.raises(ValueError, match=r"ignored_layers.*features\.0\.O"
                       r".*backbone\.model\.features\.0\.0"):
        pruner.check_names(model)
    with pytest.raises(ValueError, match='pruning_ratio_dict'):
        ChannelPruner(pruning_ratio_dict={'cls_head.fc': 0.2}).attach(
            model, torch.randn(X2D))


def test_ignored_layers_and_ratio_dict(no_flops):
    model = build(TSM)
    stem = 'backbone.model.features.0.0'
    pruner = ChannelPruner(
        pruning_ratio=0.5, ignored_layers=[stem],
        pruning_ratio_dict={'backbone.model.features.9.block.0.0': 0.25})
    pruner.attach(model, torch.randn(X2D))
    report = pruner.step()
    assert report['skipped'][stem] == 'in ignored_layers'
    assert stem not in report['channels']
    assert report['channels']['backbone.model.features.9.block.0.0'][
        'out_channels'] == [144, 108]


def test_taylor_needs_gradients(no_flops):
    model = build(TSM)
    x = torch.randn(X2D)
    pruner = ChannelPruner('taylor', pruning_ratio=0.5)
    pruner.attach(model, x)
    with pytest.raises(RuntimeError, match='accumulate_gradients'):
        pruner.step()
    n = accumulate_gradients(
        model, [x, x[:1]], lambda m, b: logits_grad(m, b).square().mean())
    assert n == 2
    report = pruner.step()
    assert report['channels']
    assert all(p.grad is None for p in model.parameters())


def logits_grad(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return model(x, mode='tensor', stage='head')


@pytest.mark.parametrize('cfg, shape', [(TSM_CONV, X2D), (R3D, X3D)],
                         ids=['tsm+tconv', 'conv3d'])
def test_pruned_shapes_round_trip(cfg, shape):
    model = build(cfg)
    x = torch.randn(shape)
    pruner = ChannelPruner(pruning_ratio=0.4)
    pruner.attach(model, x)
    pruner.step()
    shapes = pruned_shapes(model)
    json.dumps(shapes)  # ints, strings and lists only
    buf = io.BytesIO()
    torch.save({'state_dict': model.state_dict(), 'meta': {'s': shapes}},
               buf)
    buf.seek(0)
    ckpt = torch.load(buf, weights_only=True)

    fresh = build(cfg)
    with pytest.raises(RuntimeError, match='size mismatch'):
        fresh.load_state_dict(ckpt['state_dict'])
    changed = apply_pruned_shapes(fresh, ckpt['meta']['s'])
    assert 'backbone.model.features.4.block.2.fc1' in changed \
        or cfg is R3D
    fresh.load_state_dict(ckpt['state_dict'], strict=True)
    torch.testing.assert_close(logits(fresh, x), logits(model, x))
    assert pruned_shapes(fresh) == shapes

    with pytest.raises(ValueError, match='format'):
        apply_pruned_shapes(fresh, dict(shapes, version=99))
    bad = copy.deepcopy(shapes)
    bad['modules']['backbone.nothing'] = {'attrs': {'channels': 1}}
    with pytest.raises(ValueError, match='backbone.nothing'):
        apply_pruned_shapes(build(cfg), bad)


def test_rebind_optimizer_params(no_flops):
    model = build(TSM).train()
    x = torch.randn(X2D)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    logits_grad(model, x).sum().backward()
    opt.step()
    names = {id(p): n for n, p in model.named_parameters()}
    pruner = ChannelPruner(pruning_ratio=0.5)
    pruner.attach(model, x)
    pruner.step()
    named = dict(model.named_parameters())
    dropped = rebind_optimizer_params(opt, names, named)
    params = opt.param_groups[0]['params']
    assert len(params) == len(named)
    assert {id(p) for p in params} == {id(p) for p in named.values()}
    assert 'backbone.model.features.4.block.2.fc1.weight' in dropped
    # unpruned tensors keep their Adam moments, pruned ones restart
    assert named['cls_head.fc_cls.bias'] in opt.state
    assert named['backbone.model.features.3.block.2.1.weight'] in opt.state
    assert named['backbone.model.features.4.block.2.fc1.weight'] \
        not in opt.state
    for p in model.parameters():
        p.grad = None
    logits_grad(model, x).sum().backward()
    opt.step()  # shapes agree


def test_unstructured_pruning():
    model = build(TSM)
    x = torch.randn(X2D)
    sparsity = apply_unstructured_pruning(model, 0.6)
    assert sparsity == pytest.approx(0.6, abs=0.01)
    assert torch.isfinite(logits(model, x)).all()
    assert not any('weight_orig' in n for n, _ in model.named_parameters())
    masks = zero_masks(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    logits_grad(model.train(), x).sum().backward()
    opt.step()
    apply_masks(model, masks)
    assert apply_unstructured_pruning(model, 0.0) >= 0.6 - 0.01
    with pytest.raises(ValueError, match='amount'):
        apply_unstructured_pruning(model, 1.0)
