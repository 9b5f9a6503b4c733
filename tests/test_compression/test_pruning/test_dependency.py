"""The dependency graph: equivalence on exactly dead channels (TSM,
temporal convs, squeeze-excitation, depthwise and 3D convs), and what is
left alone and why."""
import copy

import pytest
import torch
import torch.nn as nn
from pruning_models import (AXIAL, C2P1D, R3D, TSM, TSM_CONV, X2D, X3D,
                            build, logits)
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd

from mmlight.compression.pruning import (ChannelPruner, dependency,
                                         find_unprunable_layers,
                                         format_report)
from mmlight.compression.pruning import pruner as pruner_module
from mmlight.models.layers import DepthwiseTemporalConv, TemporalShift


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
    structural = dependency.structural_layers
    monkeypatch.setattr(pruner_module, 'structural_layers', lambda model: {
        m: r for m, r in structural(model).items()
        if not isinstance(m, TemporalShift)})
    noop = lambda self, layer, idxs: layer  # noqa: E731
    for attr in ('prune_out_channels', 'prune_in_channels'):
        monkeypatch.setattr(dependency._TemporalShiftPruningFunc, attr, noop)
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
