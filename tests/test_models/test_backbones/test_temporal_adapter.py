import copy

import pytest
import torch
import torchvision

from mmlight.models.backbones import TemporalAdapter
from mmlight.models.layers import (DepthwiseTemporalConv, TemporalShift,
                                   TemporalWrapper)
from mmlight.registry import MODELS

MBV3S = dict(type='torchvision.mobilenet_v3_small')
SHIFT = dict(type='shift')
CONV = dict(type='conv')


def _adapter(backbone=MBV3S, **kwargs):
    torch.manual_seed(0)
    kwargs.setdefault('num_segments', 4)
    return TemporalAdapter(backbone, **kwargs)


def _grad_fns(tensor):
    seen, stack, names = set(), [tensor.grad_fn], []
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        names.append(type(fn).__name__)
        stack.extend(f for f, _ in fn.next_functions)
    return names


def _count(model, cls):
    return sum(isinstance(m, cls) for m in model.modules())


@pytest.mark.parametrize('backbone,channels', [
    (MBV3S, 576),
    (dict(type='torchvision.shufflenet_v2_x0_5'), 1024),
    (dict(type='timm.efficientnet_lite0'), 1280),
    (dict(type='MobileNetV2', widen_factor=0.5), 1280),  # MMAction2's own
])
def test_any_source_becomes_a_video_backbone(backbone, channels):
    adapter = _adapter(backbone, temporal_cfg=[SHIFT, CONV])
    assert adapter.out_channels == channels
    assert _count(adapter, TemporalShift) == len(adapter.inserted['shift'])
    assert _count(adapter, DepthwiseTemporalConv) == len(
        adapter.inserted['conv']) > 0
    out = adapter(torch.randn(2 * 4, 3, 48, 64))
    assert out.shape[:2] == (8, channels)
    out.mean().backward()
    tconv = next(m for m in adapter.modules()
                 if isinstance(m, DepthwiseTemporalConv))
    assert tconv.conv.weight.grad is not None


@pytest.mark.parametrize('t,hw', [(1, (32, 32)), (8, (48, 64)),
                                  (16, (96, 128))])
def test_shapes_for_several_clip_lengths_and_sizes(t, hw):
    adapter = _adapter(temporal_cfg=[SHIFT, CONV], num_segments=t).eval()
    out = adapter(torch.randn(2 * t, 3, *hw))
    assert out.shape == (2 * t, 576, -(-hw[0] // 32), -(-hw[1] // 32))


def test_identity_init_computes_the_2d_network_exactly():
    adapter = _adapter(temporal_cfg=CONV).eval()
    ref = torchvision.models.mobilenet_v3_small().eval()
    ref.load_state_dict(adapter.model.state_dict(), strict=False)
    # same weights: map the adapted names back to torchvision's
    ref.load_state_dict(
        {k: adapter.model.state_dict()[v]
         for k, v in adapter._key_map.items()}, strict=False)
    x = torch.randn(8, 3, 48, 64)
    with torch.no_grad():
        torch.testing.assert_close(adapter(x), ref.features(x))


def test_torchvision_state_dict_loads_by_mapped_names(tmp_path):
    src = torchvision.models.mobilenet_v3_small()  # random init
    path = str(tmp_path / 'mbv3s.pth')
    torch.save(src.state_dict(), path)
    adapter = _adapter(temporal_cfg=[SHIFT, CONV], pretrained=path)
    adapter.init_weights()
    own = adapter.model.state_dict()
    for name, value in src.state_dict().items():
        if name.startswith('classifier'):
            continue
        assert torch.equal(own[adapter._key_map[name]], value), name
    # with identity temporal convs and no shift, features are the source's
    plain = _adapter(temporal_cfg=CONV, pretrained=path).eval()
    plain.init_weights()
    x = torch.randn(4, 3, 48, 64)
    with torch.no_grad():
        torch.testing.assert_close(plain(x), src.eval().features(x))


def test_timm_state_dict_with_wrapper_and_classifier(tmp_path):
    timm = pytest.importorskip('timm')
    src = timm.create_model('efficientnet_lite0', pretrained=False)
    path = str(tmp_path / 'lite0.pth')
    torch.save({'state_dict': {f'module.{k}': v
                               for k, v in src.state_dict().items()}}, path)
    adapter = _adapter(
        dict(type='timm.efficientnet_lite0'), temporal_cfg=SHIFT)
    adapter.load_pretrained(path)
    assert torch.equal(adapter.model.conv_stem.weight, src.conv_stem.weight)
    wrapped = adapter.model.blocks[1][1].conv_pw
    assert isinstance(wrapped, TemporalWrapper)
    assert torch.equal(wrapped.module.weight, src.blocks[1][1].conv_pw.weight)


def test_wrong_architecture_or_file_is_a_clear_error(tmp_path):
    path = str(tmp_path / 'narrow.pth')
    narrow = torchvision.models.mobilenet_v3_small(width_mult=0.75)
    torch.save(narrow.state_dict(), path)
    adapter = _adapter(temporal_cfg=SHIFT)
    with pytest.raises(ValueError, match=r'narrow\.pth: .* has shape'):
        adapter.load_pretrained(path)
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        _adapter(pretrained=str(tmp_path / 'missing.pth')).init_weights()


def test_gradient_checkpointing_gives_identical_gradients():
    plain = _adapter(temporal_cfg=[SHIFT, CONV])
    for m in plain.modules():  # non-trivial temporal convs
        if isinstance(m, DepthwiseTemporalConv):
            torch.nn.init.normal_(m.conv.weight, std=0.5)
    cp = copy.deepcopy(plain)
    cp.set_grad_checkpointing(True)
    assert cp.with_cp and list(cp.state_dict()) == list(plain.state_dict())
    x = torch.randn(8, 3, 48, 64)
    losses = []
    for model in (plain, cp):
        model.train()
        torch.manual_seed(3)
        loss = model(x).square().mean()
        loss.backward()
        losses.append(loss)
    torch.testing.assert_close(losses[0], losses[1])
    for (name, p), q in zip(plain.named_parameters(), cp.parameters()):
        torch.testing.assert_close(q.grad, p.grad, msg=name)
    for (name, a), b in zip(plain.named_buffers(), cp.buffers()):
        torch.testing.assert_close(b, a, msg=name)


@pytest.mark.parametrize('backbone', [
    MBV3S, dict(type='torchvision.resnet18')])
def test_channels_last_is_the_same_network(backbone):
    plain = _adapter(backbone, temporal_cfg=SHIFT)
    fast = _adapter(backbone, temporal_cfg=SHIFT, channels_last=True)
    fast.load_state_dict(plain.state_dict())
    assert list(fast.state_dict()) == list(plain.state_dict())
    assert fast.channels_last and not plain.channels_last
    # float64: the comparison is of the math, not of kernels' rounding
    plain.double()
    fast.double()
    assert [type(m) for m in fast.modules()] == \
        [type(m) for m in plain.modules()]
    x = torch.randn(8, 3, 48, 64, dtype=torch.float64)
    outs = []
    for model in (plain, fast):
        model.train()
        out = model(x)
        (out * torch.linspace(-1, 1, out.numel()).view_as(out)).sum() \
            .backward()
        outs.append(out)
    assert outs[1].is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(outs[1], outs[0])
    for (name, p), q in zip(plain.named_parameters(), fast.parameters()):
        torch.testing.assert_close(q.grad, p.grad, msg=name)
    with torch.no_grad():
        torch.testing.assert_close(fast.eval()(x), plain.eval()(x))
    # in float32 training, MobileNetV3's 5x5 and strided depthwise convs
    # take mmlight's weight gradient (ResNet-18 has none), ResNet-18's last
    # stage (3x3 convs onto 2x2 maps at 48x64) its GEMM gradients; the
    # same gradients as ATen's up to float32 rounding
    x = x.float()
    outs = []
    for model in (plain, fast):
        model.float().train().zero_grad()
        outs.append(model(x))
    fns = [_grad_fns(out) for out in outs]
    for name in ('_DepthwiseConv2dFunctionBackward',
                 '_GemmConv2dFunctionBackward'):
        assert name not in fns[0]
    assert fns[1].count('_DepthwiseConv2dFunctionBackward') == \
        (10 if backbone is MBV3S else 0)
    assert fns[1].count('_GemmConv2dFunctionBackward') == \
        (0 if backbone is MBV3S else 4)
    for out in outs:
        (out * torch.linspace(-1, 1, out.numel()).view_as(out)).sum() \
            .backward()
    # relative to the larger of the parameter's and a thousandth of the
    # whole gradient's norm: some BN biases' gradients are exactly 0 in
    # exact math (float32 leaves rounding there alone)
    total = torch.cat([p.grad.flatten() for p in plain.parameters()]).norm()
    for (name, p), q in zip(plain.named_parameters(), fast.parameters()):
        err = (q.grad - p.grad).norm() / max(p.grad.norm(), 1e-3 * total)
        assert err < 1e-3, (name, err)


def test_export_sees_the_plain_memory_format():
    adapter = _adapter(temporal_cfg=SHIFT, channels_last=True).eval()
    program = torch.export.export(adapter, (torch.randn(8, 3, 32, 32), ))
    targets = {str(n.target) for n in program.graph.nodes}
    assert not [t for t in targets if 'clone' in t or 'contiguous' in t]


def test_built_with_cp_from_config():
    adapter = MODELS.build(
        dict(type='TemporalAdapter', backbone=MBV3S, num_segments=2,
             temporal_cfg=SHIFT, with_cp=True))
    assert adapter.with_cp
    adapter(torch.randn(4, 3, 32, 32)).sum().backward()


def _differs(a, b, scale):
    # fresh BN statistics make eval-mode features tiny: compare relatively
    return (a - b).abs().max() > 1e-4 * scale


def test_frames_mix_within_a_clip_only():
    adapter = _adapter(temporal_cfg=SHIFT).eval()
    x = torch.randn(8, 3, 48, 64)
    y = x.clone()
    y[2] += 1.0  # clip 0, frame 2
    with torch.no_grad():
        a, b = adapter(x), adapter(y)
    changed = [bool(_differs(a[i], b[i], a.abs().max())) for i in range(8)]
    assert changed[:4] == [True] * 4  # shifts spread it over clip 0
    assert changed[4:] == [False] * 4  # clip 1 untouched


def test_causal_adapter_never_sees_later_frames():
    adapter = _adapter(
        temporal_cfg=[dict(type='shift', causal=True),
                      dict(type='conv', causal=True)],
        num_segments=6).eval()
    for m in adapter.modules():
        if isinstance(m, DepthwiseTemporalConv):
            torch.nn.init.normal_(m.conv.weight, std=0.5)
    x = torch.randn(6, 3, 48, 64)
    y = x.clone()
    y[4:] = torch.randn(2, 3, 48, 64)
    with torch.no_grad():
        a, b = adapter(x), adapter(y)
    assert not _differs(a[:4], b[:4], a.abs().max())
    assert _differs(a[4:], b[4:], a.abs().max())


def test_per_stage_placement():
    adapter = _adapter(temporal_cfg=[
        dict(type='shift', stages=(1, 2), residual_only=False),
        dict(type='conv', stages=(3, ), interval=2)])
    stage_of = {b.name: b.stage for b in adapter.blocks}
    assert {stage_of[n] for n in adapter.inserted['shift']} == {1, 2}
    assert len(adapter.inserted['shift']) == 7  # every block of stage 1-2
    assert adapter.inserted['conv'] == ['features.9', 'features.11']
    # residual_only (default) skips the blocks without a shortcut
    default = _adapter(temporal_cfg=SHIFT)
    assert 'features.1' not in default.inserted['shift']
    assert 'features.3' in default.inserted['shift']


def test_no_temporal_layers_gives_a_2d_feature_backbone():
    adapter = _adapter(temporal_cfg=None)
    assert not adapter.inserted
    assert _count(adapter, TemporalWrapper) == 0


def test_num_segments_can_change_after_building():
    adapter = _adapter(temporal_cfg=[SHIFT, CONV]).eval()
    adapter.num_segments = 6
    assert {m.num_segments for m in adapter.modules()
            if isinstance(m, (TemporalShift, DepthwiseTemporalConv))} == {6}
    assert adapter(torch.randn(12, 3, 32, 32)).shape[0] == 12


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(temporal_cfg=dict(type='lstm')), ValueError, 'unknown type'),
    (dict(temporal_cfg=dict(type='shift', kernel_size=3)), ValueError,
     'unknown keys'),
    (dict(temporal_cfg=dict(type='conv', stages=(7, ))), ValueError,
     'has 4 stages'),
    (dict(temporal_cfg=dict(type='conv', interval=0)), ValueError,
     'interval'),
    (dict(num_segments=0), ValueError, 'num_segments'),
    (dict(channels_last='yes'), ValueError, 'channels_last'),
    (dict(block_types=('Nope', )), ValueError, 'found no blocks'),
    (dict(backbone=dict(type='torchvision.mobilenet_v3_small',
                        weights='DEFAULT')), ValueError, 'never downloads'),
    (dict(backbone=dict(type='timm.efficientnet_lite0', pretrained=True)),
     ValueError, 'never downloads'),
    (dict(backbone=dict(type='torchvision.no_such_net')), ValueError,
     'no_such_net'),
])
def test_bad_arguments(kwargs, error, match):
    backbone = kwargs.pop('backbone', MBV3S)
    with pytest.raises(error, match=match):
        _adapter(backbone, **kwargs)


def test_bad_input_layout():
    adapter = _adapter(temporal_cfg=SHIFT)
    with pytest.raises(ValueError, match=r'\(N \* T, C, H, W\)'):
        adapter(torch.randn(2, 3, 4, 32, 32))
    with pytest.raises(ValueError, match='num_segments=4'):
        adapter(torch.randn(6, 3, 32, 32))
