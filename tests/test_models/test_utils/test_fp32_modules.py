"""keep_fp32: chosen modules leave autocast, the rest stays in it."""
import pytest
import torch
from torch import nn

from mmlight.models.utils import keep_fp32


def net():
    model = nn.Sequential()
    model.add_module('body', nn.Linear(8, 8))
    model.add_module('cls_head', nn.Sequential())
    model.cls_head.add_module('fc_cls', nn.Linear(8, 3))
    return model


def test_the_classifier_runs_in_fp32_under_autocast():
    model = net()
    keys = set(model.state_dict())
    keep_fp32(model)
    keep_fp32(model)  # once: not wrapped twice
    with torch.autocast('cpu', dtype=torch.bfloat16):
        hidden = model.body(torch.randn(2, 8))
        out = model.cls_head.fc_cls(hidden)
    assert hidden.dtype == torch.bfloat16 and out.dtype == torch.float32
    torch.testing.assert_close(out, model.cls_head.fc_cls(hidden.float()))
    assert set(model.state_dict()) == keys
    out.sum().backward()
    assert model.body.weight.grad is not None


def test_patterns():
    model = net()
    keep_fp32(model, ['bo*'])
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert model.body(torch.randn(2, 8)).dtype == torch.float32
    with pytest.raises(ValueError, match="'head' matches no module"):
        keep_fp32(model, ['head'])
    keep_fp32(model, ['head'], strict=False)
