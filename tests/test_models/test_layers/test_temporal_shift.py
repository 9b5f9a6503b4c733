import pytest
import torch
from torch import nn

from mmlight.models.layers import TemporalShift, temporal_shift


def _clip(n=2, t=4, c=8, h=2, w=3):
    # value = 1000 * clip + 100 * frame + channel, constant over space
    v = (torch.arange(n)[:, None, None] * 1000 +
         torch.arange(t)[None, :, None] * 100 +
         torch.arange(c)[None, None, :]).float()
    return v[..., None, None].expand(n, t, c, h, w).reshape(n * t, c, h, w)


def test_bidirectional_shift_moves_one_fold_each_way():
    n, t, c = 2, 4, 8
    out = temporal_shift(_clip(n, t, c), t, shift_div=4).view(n, t, c, 2, 3)
    src = _clip(n, t, c).view(n, t, c, 2, 3)
    # channels 0-1 come from t + 1 (zeros at the end of each clip)
    assert torch.equal(out[:, :-1, :2], src[:, 1:, :2])
    assert (out[:, -1, :2] == 0).all()
    # channels 2-3 come from t - 1 (zeros at the start)
    assert torch.equal(out[:, 1:, 2:4], src[:, :-1, 2:4])
    assert (out[:, 0, 2:4] == 0).all()
    # the rest stays; nothing crosses clips
    assert torch.equal(out[:, :, 4:], src[:, :, 4:])
    assert (out[1][out[1] != 0] >= 1000).all()


def test_causal_shift_only_looks_back():
    n, t, c = 2, 5, 8
    x = torch.randn(n * t, c, 3, 3, requires_grad=True)
    out = temporal_shift(x, t, shift_div=4, causal=True)
    view, src = out.view(n, t, c, 3, 3), x.view(n, t, c, 3, 3)
    assert torch.equal(view[:, 1:, :2], src[:, :-1, :2])
    assert (view[:, 0, :2] == 0).all()
    assert torch.equal(view[:, :, 2:], src[:, :, 2:])
    # output at frame 2 has no gradient from frames 3.. (never sees them)
    view[:, 2].sum().backward()
    grad = x.grad.view(n, t, c, 3, 3)
    assert (grad[:, 3:] == 0).all() and (grad[:, 1:3] != 0).any()


def test_too_few_channels_is_identity_and_zero_flops():
    x = torch.randn(4, 3, 2, 2)
    assert torch.equal(temporal_shift(x, 4, shift_div=8), x)
    assert sum(p.numel() for p in TemporalShift().parameters()) == 0


@pytest.mark.parametrize('kwargs', [
    dict(num_segments=0), dict(shift_div=1), dict(num_segments=2.0)])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        TemporalShift(**kwargs)


def test_batch_must_be_whole_clips():
    with pytest.raises(ValueError, match='num_segments=4'):
        TemporalShift(num_segments=4)(torch.randn(6, 8, 2, 2))


def test_streaming_equals_the_offline_causal_shift_frame_by_frame():
    from mmlight.models.layers import set_streaming
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 16, 1), TemporalShift(6, 4, True),
                          nn.Conv2d(16, 16, 3, padding=1),
                          TemporalShift(6, 4, True))
    clip = torch.randn(6, 3, 5, 5)  # one clip of 6 frames
    with torch.no_grad():
        offline = model(clip)
        assert set_streaming(model) == 2
        online = torch.cat([model(clip[t:t + 1]) for t in range(6)])
    torch.testing.assert_close(online, offline)
    # a new stream starts from zeros again
    set_streaming(model)
    with torch.no_grad():
        torch.testing.assert_close(model(clip[:1]), offline[:1])
    set_streaming(model, False)
    with torch.no_grad():
        torch.testing.assert_close(model(clip), offline)


def test_only_causal_shifts_stream():
    from mmlight.models.layers import DepthwiseTemporalConv, set_streaming
    with pytest.raises(ValueError, match='causal'):
        set_streaming(nn.Sequential(TemporalShift(4, 4, causal=False)))
    with pytest.raises(ValueError, match='no TemporalShift'):
        set_streaming(nn.Linear(2, 2))
    with pytest.raises(ValueError, match='temporal convolutions'):
        set_streaming(nn.Sequential(TemporalShift(4, 4, True),
                                    DepthwiseTemporalConv(8, 4)))


@pytest.mark.parametrize('causal', [False, True])
def test_channels_last_input_gives_the_same_shift_and_keeps_its_layout(
        causal):
    x = torch.randn(2 * 4, 16, 3, 5)
    xl = x.contiguous(memory_format=torch.channels_last)
    out = temporal_shift(x, 4, shift_div=4, causal=causal)
    out_l = temporal_shift(xl, 4, shift_div=4, causal=causal)
    assert torch.equal(out_l, out)
    assert out_l.is_contiguous(memory_format=torch.channels_last)
    # gradients flow back the same way
    xl.requires_grad_()
    x.requires_grad_()
    weight = torch.randn_like(out)
    (temporal_shift(x, 4, 4, causal) * weight).sum().backward()
    (temporal_shift(xl, 4, 4, causal) * weight).sum().backward()
    assert torch.equal(xl.grad, x.grad)
