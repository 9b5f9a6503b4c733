import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmlight.models.layers import (CPUConvGrads, depthwise_weight_grad,
                                   gemm_conv2d_grads)


def _aten_weight_grad(x, g, w, stride, padding, dilation):
    return torch.ops.aten.convolution_backward(
        g, x, w, None, stride, padding, dilation, False, [0, 0], x.shape[1],
        [False, True, False])[1]


def _routed_and_atens_grads(model, x, out_weight, **tolerance):
    """Train ``model`` once under :class:`CPUConvGrads` and a copy of it
    without, check that inputs and parameters get the same gradients, and
    return the mode (its counts)."""
    aten = copy.deepcopy(model)
    xs = [x.clone().requires_grad_() for _ in range(2)]
    mode = CPUConvGrads()
    with mode:
        out = model(xs[0])
    (out * out_weight).sum().backward()
    (aten(xs[1]) * out_weight).sum().backward()
    torch.testing.assert_close(xs[0].grad, xs[1].grad, **tolerance)
    for (name, p), q in zip(model.named_parameters(), aten.parameters()):
        torch.testing.assert_close(p.grad, q.grad, msg=name, **tolerance)
    return mode


@pytest.mark.parametrize('kernel,stride,padding,dilation,size', [
    ((5, 5), (1, 1), (2, 2), (1, 1), (2, 2)),   # kernel larger than the map
    ((5, 5), (2, 2), (2, 2), (1, 1), (6, 8)),
    ((3, 3), (2, 2), (1, 1), (1, 1), (7, 9)),   # odd size, stride 2
    ((3, 5), (1, 2), (1, 2), (1, 1), (5, 6)),
    ((3, 3), (1, 1), (2, 2), (2, 2), (6, 6)),   # dilated
    ((3, 3), (1, 1), (0, 0), (1, 1), (4, 5)),   # no padding
])
@pytest.mark.parametrize('channels_last', [False, True])
def test_weight_grad_equals_atens(kernel, stride, padding, dilation, size,
                                  channels_last):
    torch.manual_seed(0)
    c = 12
    x = torch.randn(3, c, *size, dtype=torch.float64)
    w = torch.randn(c, 1, *kernel, dtype=torch.float64)
    out = F.conv2d(x, w, None, stride, padding, dilation, c)
    g = torch.randn_like(out)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
        g = g.contiguous(memory_format=torch.channels_last)
    got = depthwise_weight_grad(x, g, kernel, stride, padding, dilation)
    want = _aten_weight_grad(x, g, w, stride, padding, dilation)
    assert got.shape == w.shape
    torch.testing.assert_close(got, want)


@pytest.mark.parametrize('bias', [False, True])
@pytest.mark.parametrize('channels_last', [False, True])
def test_mode_trains_as_aten_and_routes_only_slow_depthwise_convs(
        bias, channels_last):
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(8, 8, 5, padding=2, groups=8, bias=bias),      # routed
        nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8),       # routed
        nn.Conv2d(8, 8, 3, padding=1, groups=8),  # 3x3 stride 1: ATen's
        nn.Conv2d(8, 16, 5, padding=2),  # dense, 4 x 5 map: ATen's
        nn.Conv2d(16, 16, 5, padding='same', groups=16),  # 'same': ATen's
    )
    x = torch.randn(4, 8, 7, 9)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    mode = _routed_and_atens_grads(model, x, torch.randn(4, 16, 4, 5))
    assert (mode.routed, mode.routed_gemm) == (2, 0)
    assert [type(m) for m in model] == [nn.Conv2d] * 5  # modules untouched


def test_mode_leaves_inference_frozen_weights_and_autocast_alone():
    conv = nn.Conv2d(8, 8, 5, padding=2, groups=8)
    x = torch.randn(2, 8, 6, 6, requires_grad=True)
    mode = CPUConvGrads()
    with mode:
        with torch.no_grad():
            conv(x)
        conv.weight.requires_grad_(False)
        conv(x)
        conv.weight.requires_grad_(True)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            out = conv(x)
    assert mode.routed == mode.routed_gemm == 0
    assert out.dtype == torch.bfloat16
    out.float().sum().backward()
    assert conv.weight.grad is not None and x.grad is not None


@pytest.mark.parametrize('cin,cout,kernel,stride,padding,dilation,size', [
    (16, 24, (3, 3), (1, 1), (1, 1), (1, 1), (2, 2)),  # ResNet's last stage
    (8, 16, (3, 3), (2, 2), (1, 1), (1, 1), (3, 4)),   # strided onto 2x2
    (6, 10, (3, 5), (1, 2), (1, 2), (1, 1), (5, 6)),   # rectangular
    (6, 6, (3, 3), (1, 1), (2, 2), (2, 2), (6, 6)),    # dilated
    (5, 7, (3, 3), (1, 1), (0, 0), (1, 1), (4, 5)),    # no padding
])
@pytest.mark.parametrize('channels_last', [False, True])
def test_gemm_grads_equal_atens(cin, cout, kernel, stride, padding, dilation,
                                size, channels_last):
    torch.manual_seed(0)
    x = torch.randn(3, cin, *size, dtype=torch.float64)
    w = torch.randn(cout, cin, *kernel, dtype=torch.float64)
    g = torch.randn_like(F.conv2d(x, w, None, stride, padding, dilation))
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
        g = g.contiguous(memory_format=torch.channels_last)
    want_x, want_w, _ = torch.ops.aten.convolution_backward(
        g, x, w, None, stride, padding, dilation, False, [0, 0], 1,
        [True, True, False])
    got_x, got_w = gemm_conv2d_grads(x, w, g, stride, padding, dilation)
    assert got_x.shape == x.shape and got_w.shape == w.shape
    torch.testing.assert_close(got_x, want_x)
    torch.testing.assert_close(got_w, want_w)
    only_w = gemm_conv2d_grads(x, w, g, stride, padding, dilation,
                               need_input=False)
    assert only_w[0] is None
    torch.testing.assert_close(only_w[1], want_w)


@pytest.mark.parametrize('channels_last', [False, True])
def test_mode_routes_dense_convs_on_tiny_maps_through_gemms(channels_last):
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(4, 8, 3, stride=2, padding=1),   # 3x4 -> 2x2: GEMM
        nn.Conv2d(8, 8, 3, padding=1, bias=False),  # 2x2 -> 2x2: GEMM
        nn.Conv2d(8, 8, 1),                         # 1x1: ATen's
        nn.Upsample(size=(3, 3)),
        nn.Conv2d(8, 4, 3, padding=1),              # 3x3 map, 9: ATen's
    )
    x = torch.randn(5, 4, 3, 4)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    mode = _routed_and_atens_grads(model, x, torch.randn(5, 4, 3, 3),
                                   rtol=1e-4, atol=1e-5)
    assert (mode.routed, mode.routed_gemm) == (0, 2)
    # frozen input and weights: nothing to differentiate, nothing routed;
    # max_gemm_positions=0 routes none
    frozen = CPUConvGrads()
    with frozen:
        model[1](torch.randn(2, 8, 2, 2))
    assert frozen.routed_gemm == 1  # the weight still needs its gradient
    model[1].weight.requires_grad_(False)
    with frozen:
        model[1](torch.randn(2, 8, 2, 2))
    assert frozen.routed_gemm == 1
    with CPUConvGrads(max_gemm_positions=0) as off:
        model[0](torch.randn(2, 4, 3, 4))
    assert off.routed_gemm == 0
