"""AxialAttentionHead: layouts, shapes, gradients, checkpointing, errors."""
import pytest
import torch

from mmlight.models.heads.axial_attention_head import AxialAttentionHead

C, K = 16, 3


def _head(**kwargs) -> AxialAttentionHead:
    torch.manual_seed(0)
    cfg = dict(num_classes=K, in_channels=C, embed_dims=32, num_heads=4,
               max_frames=8)
    cfg.update(kwargs)
    head = AxialAttentionHead(**cfg)
    head.init_weights()
    return head.eval()


def _to_2d(x5: torch.Tensor) -> torch.Tensor:
    N, C_, T, H, W = x5.shape
    return x5.transpose(1, 2).reshape(N * T, C_, H, W)


@pytest.mark.parametrize('T', [1, 3, 8, 13])
@pytest.mark.parametrize('HW', [(2, 2), (3, 4)])
@pytest.mark.parametrize('fused', [True, False])
def test_layouts_agree(T, HW, fused):
    head = _head(fused=fused)
    x5 = torch.randn(2, C, T, *HW)
    out5 = head(x5)
    out4 = head(_to_2d(x5), num_segs=T)
    assert out5.shape == (2, K)
    torch.testing.assert_close(out4, out5)


def test_fused_matches_reference():
    a, b = _head(fused=True), _head(fused=False)
    x = torch.randn(2, C, 5, 3, 4)
    torch.testing.assert_close(a(x), b(x), atol=1e-5, rtol=1e-5)


def test_temporal_order_matters():
    # positional encodings make the head sensitive to frame order
    head = _head()
    x = torch.randn(1, C, 4, 2, 2)
    assert not torch.allclose(head(x), head(x.flip(2)))


def test_grad_reaches_projection():
    head = _head(num_layers=2).train()
    head(torch.randn(2 * 3, C, 2, 2), num_segs=3).sum().backward()
    assert head.proj.weight.grad is not None
    assert head.proj.weight.grad.abs().sum() > 0
    assert head.temporal_pos.grad.abs().sum() > 0
    assert head.spatial_pos.grad.abs().sum() > 0


def test_checkpoint_matches_plain():
    heads = [_head(dropout_ratio=0., with_cp=cp, num_layers=2).train()
             for cp in (False, True)]
    heads[1].load_state_dict(heads[0].state_dict())
    x = torch.randn(2, C, 3, 2, 3)
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
    dict(embed_dims=30), dict(num_layers=0), dict(max_frames=0),
    dict(dropout_ratio=1.0)
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
        dict(type='AxialAttentionHead', num_classes=2, in_channels=C,
             embed_dims=32, average_clips='prob'))
    assert isinstance(head, AxialAttentionHead)
    head.init_weights()
    assert head(torch.randn(4, C, 2, 2), num_segs=2).shape == (2, 2)
