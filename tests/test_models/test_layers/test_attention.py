"""MultiheadSelfAttention: fused and reference paths agree; masking."""
import pytest
import torch

from mmlight.models.layers.attention import (MultiheadSelfAttention,
                                             TransformerBlock)


def _pair(dim=32, heads=4):
    torch.manual_seed(0)
    fused = MultiheadSelfAttention(dim, heads, fused=True).eval()
    ref = MultiheadSelfAttention(dim, heads, fused=False).eval()
    ref.load_state_dict(fused.state_dict())
    return fused, ref


def _mask(B, L):
    mask = torch.zeros(B, L, dtype=torch.bool)
    mask[0, -2:] = True
    mask[1, 1::3] = True
    return mask


@pytest.mark.parametrize('with_mask', [False, True])
@pytest.mark.parametrize('L', [1, 5, 16])
def test_fused_matches_reference(with_mask, L):
    fused, ref = _pair()
    x = torch.randn(3, L, 32)
    mask = _mask(3, L) if with_mask else None
    torch.testing.assert_close(fused(x, mask), ref(x, mask),
                               atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('fused_flag', [True, False])
def test_masked_keys_get_no_weight(fused_flag):
    fused, ref = _pair()
    attn = fused if fused_flag else ref
    x = torch.randn(2, 7, 32)
    mask = torch.zeros(2, 7, dtype=torch.bool)
    mask[:, 4:] = True
    y = attn(x, mask)
    x2 = x.clone()
    x2[:, 4:] = 100 * torch.randn(2, 3, 32)
    y2 = attn(x2, mask)
    torch.testing.assert_close(y[:, :4], y2[:, :4])
    # without the mask the change must be visible (the check is not vacuous)
    assert not torch.allclose(attn(x)[:, :4], attn(x2)[:, :4])


def test_all_padding_row_is_finite():
    fused, ref = _pair()
    x = torch.randn(2, 4, 32)
    mask = torch.ones(2, 4, dtype=torch.bool)
    assert torch.isfinite(fused(x, mask)).all()
    assert torch.isfinite(ref(x, mask)).all()


def test_block_fused_matches_reference_and_grad():
    torch.manual_seed(0)
    a = TransformerBlock(32, 4, fused=True)
    b = TransformerBlock(32, 4, fused=False)
    b.load_state_dict(a.state_dict())
    x = torch.randn(2, 6, 32, requires_grad=True)
    mask = _mask(2, 6)
    ya, yb = a(x, mask), b(x, mask)
    torch.testing.assert_close(ya, yb, atol=1e-5, rtol=1e-5)
    ya.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


@pytest.mark.parametrize('kwargs', [
    dict(dim=30, num_heads=4),
    dict(dim=32, num_heads=0),
    dict(dim=32, attn_drop=1.0),
    dict(dim=32, proj_drop=-0.1),
])
def test_bad_args(kwargs):
    with pytest.raises(ValueError):
        MultiheadSelfAttention(**kwargs)


def test_bad_mask_shape():
    attn = MultiheadSelfAttention(32)
    with pytest.raises(ValueError, match='mask'):
        attn(torch.randn(2, 5, 32), torch.zeros(2, 4, dtype=torch.bool))
