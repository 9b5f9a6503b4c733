import pytest
import torch
import torch.nn.functional as F

from mmlight.models.layers import DepthwiseTemporalConv


@pytest.mark.parametrize('causal', [False, True])
def test_identity_at_init(causal):
    conv = DepthwiseTemporalConv(6, num_segments=4, causal=causal)
    x = torch.randn(8, 6, 5, 3)
    assert torch.equal(conv(x), x)


@pytest.mark.parametrize('causal,k', [(False, 3), (False, 5), (True, 2),
                                      (True, 3)])
def test_matches_a_depthwise_conv3d(causal, k):
    n, t, c, h, w = 2, 6, 4, 3, 5
    conv = DepthwiseTemporalConv(c, t, kernel_size=k, causal=causal)
    torch.nn.init.normal_(conv.conv.weight)
    x = torch.randn(n * t, c, h, w)
    x5 = x.view(n, t, c, h, w).transpose(1, 2)  # (N, C, T, H, W)
    pad = (k - 1, 0) if causal else (k // 2, k // 2)
    ref = F.conv3d(F.pad(x5, (0, 0, 0, 0) + pad),
                   conv.conv.weight.view(c, 1, k, 1, 1), groups=c)
    ref = ref.transpose(1, 2).reshape(n * t, c, h, w)
    torch.testing.assert_close(conv(x), ref)


def test_causal_conv_never_sees_the_future():
    conv = DepthwiseTemporalConv(4, num_segments=6, kernel_size=3,
                                 causal=True)
    torch.nn.init.normal_(conv.conv.weight)
    x = torch.randn(6, 4, 2, 2)
    y = x.clone()
    y[4:] += 1.0  # change frames 4 and 5
    assert torch.equal(conv(x)[:4], conv(y)[:4])
    assert not torch.equal(conv(x)[4:], conv(y)[4:])


def test_gradients_reach_weights_and_input():
    conv = DepthwiseTemporalConv(4, num_segments=3)
    x = torch.randn(6, 4, 2, 2, requires_grad=True)
    conv(x).square().sum().backward()
    assert conv.conv.weight.grad.abs().sum() > 0
    assert x.grad.abs().sum() > 0


@pytest.mark.parametrize('kwargs,match', [
    (dict(channels=0), 'channels'), (dict(channels=4, kernel_size=2),
                                     'odd'),
    (dict(channels=4, num_segments=0), 'num_segments')])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DepthwiseTemporalConv(**kwargs)


def test_batch_must_be_whole_clips():
    with pytest.raises(ValueError, match='num_segments=4'):
        DepthwiseTemporalConv(3, num_segments=4)(torch.randn(6, 3, 2, 2))
