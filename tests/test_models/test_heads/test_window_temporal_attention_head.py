"""WindowTemporalAttentionHead: layouts, locality, padding, checkpointing."""
import pytest
import torch

from mmlight.models.heads.window_temporal_attention_head import \
    WindowTemporalAttentionHead

C, K = 16, 3


def _head(**kwargs) -> WindowTemporalAttentionHead:
    torch.manual_seed(0)
    cfg = dict(num_classes=K, in_channels=C, embed_dims=32, num_heads=4,
               window_size=4)
    cfg.update(kwargs)
    head = WindowTemporalAttentionHead(**cfg)
    head.init_weights()
    return head.eval()


def _to_2d(x5: torch.Tensor) -> torch.Tensor:
    N, C_, T, H, W = x5.shape
    return x5.transpose(1, 2).reshape(N * T, C_, H, W)


@pytest.mark.parametrize('T', [1, 3, 8, 13])
@pytest.mark.parametrize('HW', [(2, 2), (3, 4)])
@pytest.mark.parametrize('shift', [True, False])
def test_layouts_agree(T, HW, shift):
    head = _head(shift=shift)
    x5 = torch.randn(2, C, T, *HW)
    out5 = head(x5)
    assert out5.shape == (2, K)
    torch.testing.assert_close(head(_to_2d(x5), num_segs=T), out5)
    assert head.forward_features(x5).shape == (2, T, 32)


def test_fused_matches_reference():
    a, b = _head(fused=True), _head(fused=False)
    x = torch.randn(2, C, 7, 2, 2)
    torch.testing.assert_close(a(x), b(x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('t', [0, 5, 9])
def test_attention_stays_in_window(t):
    # one unshifted layer: frame t only sees the frames of its window
    head = _head(num_layers=1, shift=False)
    x = torch.randn(1, C, 12, 2, 2)
    start = t // 4 * 4
    base = head.forward_features(x)
    for other in range(12):
        x2 = x.clone()
        x2[:, :, other] += 5 * torch.randn(C, 2, 2)
        changed = not torch.allclose(head.forward_features(x2)[:, t],
                                     base[:, t])
        assert changed == (start <= other < start + 4), other


def test_shift_crosses_windows():
    # the shifted second layer lets frame 3 see frame 4 (next window)
    x = torch.randn(1, C, 8, 2, 2)
    x2 = x.clone()
    x2[:, :, 4] += 5.
    for shift, expect in ((False, False), (True, True)):
        head = _head(num_layers=2, shift=shift)
        changed = not torch.allclose(head.forward_features(x)[:, 3],
                                     head.forward_features(x2)[:, 3])
        assert changed == expect


def test_padding_does_not_leak():
    # T=5 with window 4: frames 0-3 fill window 0 exactly as when T=4,
    # and frame 4 sits alone in a padded window exactly as when T=1.
    head = _head(num_layers=1, shift=False)
    x = torch.randn(2, C, 5, 3, 2)
    feats = head.forward_features(x)
    torch.testing.assert_close(feats[:, :4],
                               head.forward_features(x[:, :, :4]))
    torch.testing.assert_close(feats[:, 4:],
                               head.forward_features(x[:, :, 4:]))


def test_shifted_padding_does_not_leak():
    # Layer 2 shifts by 2. Frames 0-1 share the window [pad, pad, 0, 1] in
    # both clips, and layer 1 gave them the same inputs ([0-3] is a whole
    # window in both), so extra frames 4-7 must not change them.
    head = _head(num_layers=2, shift=True)
    x = torch.randn(1, C, 4, 2, 2)
    x8 = torch.cat([x, torch.randn(1, C, 4, 2, 2)], dim=2)
    torch.testing.assert_close(head.forward_features(x8)[:, :2],
                               head.forward_features(x)[:, :2])


def test_grad_reaches_projection():
    head = _head().train()
    head(torch.randn(2 * 5, C, 2, 2), num_segs=5).sum().backward()
    assert head.proj.weight.grad is not None
    assert head.proj.weight.grad.abs().sum() > 0


def test_checkpoint_matches_plain():
    heads = [_head(dropout_ratio=0., with_cp=cp, num_layers=2).train()
             for cp in (False, True)]
    heads[1].load_state_dict(heads[0].state_dict())
    x = torch.randn(2, C, 6, 2, 3)
    label = torch.tensor([0, 2])
    losses = []
    for head in heads:
        loss = torch.nn.functional.cross_entropy(head(x), label)
        loss.backward()
        losses.append(loss)
    torch.testing.assert_close(losses[0], losses[1])
    for (name, p0), p1 in zip(heads[0].named_parameters(),
                              heads[1].parameters()):
        torch.testing.assert_close(p0.grad, p1.grad, msg=name)


@pytest.mark.parametrize('x,num_segs', [
    (torch.randn(2, C, 4), None),
    (torch.randn(1, 2, C, 3, 2, 2), None),
    (torch.randn(6, C, 2, 2), None),
    (torch.randn(7, C, 2, 2), 3),
])
def test_bad_input_raises(x, num_segs):
    with pytest.raises(ValueError, match=r'\(N \* T, C, H, W\)'):
        _head()(x, num_segs=num_segs)


@pytest.mark.parametrize('kwargs', [
    dict(embed_dims=30), dict(window_size=0), dict(num_layers=0),
    dict(dropout_ratio=-0.1)
])
def test_bad_args(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        _head(**kwargs)


def test_build_from_registry():
    from mmlight.registry import MODELS
    from mmlight.utils import register_all_modules
    register_all_modules()
    head = MODELS.build(
        dict(type='WindowTemporalAttentionHead', num_classes=2,
             in_channels=C, embed_dims=32, window_size=2))
    assert isinstance(head, WindowTemporalAttentionHead)
    head.init_weights()
    assert head(torch.randn(2, C, 5, 2, 2)).shape == (2, 2)
