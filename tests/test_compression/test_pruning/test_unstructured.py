"""Unstructured pruning: the fraction of zeros, and masks that keep them
zero after an optimizer step."""
import pytest
import torch
from pruning_models import TSM, X2D, build, logits, logits_grad

from mmlight.compression.pruning import (apply_masks,
                                         apply_unstructured_pruning,
                                         zero_masks)


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
