"""ChannelPruner: its options (ratios, rounding, global ranking,
iterative steps and resuming, ignored layers), argument checks and Taylor
importance."""
import pytest
import torch
import torch.nn as nn
from pruning_models import TSM, X2D, build, logits_grad

from mmlight.compression.pruning import ChannelPruner, accumulate_gradients


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
