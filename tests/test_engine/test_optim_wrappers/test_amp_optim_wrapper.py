import pytest
import torch
from mmengine.registry import init_default_scope
from torch import nn

from mmlight.engine import AmpOptimWrapper
from mmlight.registry import OPTIM_WRAPPERS


def build(**kwargs):
    init_default_scope('mmlight')
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
    wrapper = OPTIM_WRAPPERS.build(
        dict(type='AmpOptimWrapper',
             optimizer=torch.optim.SGD(model.parameters(), lr=0.1), **kwargs))
    return model, wrapper


def test_config_name_resolves_to_mmlight_wrapper():
    _, wrapper = build()
    assert type(wrapper) is AmpOptimWrapper


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU behaviour')
def test_cpu_autocasts_to_bf16_and_updates():
    model, wrapper = build()
    before = [p.detach().clone() for p in model.parameters()]
    x, y = torch.randn(4, 8), torch.tensor([0, 1, 2, 0])
    with wrapper.optim_context(model):
        out = model(x)
        assert out.dtype == torch.bfloat16
        loss = nn.functional.cross_entropy(out.float(), y)
    wrapper.update_params(loss)
    assert all(not torch.equal(b, p) for b, p in zip(before,
                                                     model.parameters()))
    state = wrapper.state_dict()
    _, fresh = build()
    fresh.load_state_dict(state)


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU behaviour')
def test_cpu_rejects_fp16_naming_the_argument():
    with pytest.raises(ValueError, match='dtype'):
        build(dtype='float16')


class Head(nn.Module):

    def __init__(self):
        super().__init__()
        self.fc_cls = nn.Linear(16, 3)


class Net(nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = nn.Linear(8, 16)
        self.cls_head = Head()

    def forward(self, x):
        return self.cls_head.fc_cls(self.backbone(x))


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU behaviour')
def test_classifier_stays_fp32_under_autocast():
    init_default_scope('mmlight')
    model = Net()
    wrapper = OPTIM_WRAPPERS.build(dict(
        type='AmpOptimWrapper',
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))
    feats = []
    model.backbone.register_forward_hook(lambda m, i, o: feats.append(o))
    keys = set(model.state_dict())
    with wrapper.optim_context(model):
        out = model(torch.randn(4, 8))
    assert feats[0].dtype == torch.bfloat16  # the rest is autocast
    assert out.dtype == torch.float32 and model.cls_head.fc_cls.weight.grad \
        is None
    torch.testing.assert_close(
        out, nn.functional.linear(feats[0].float(),
                                  model.cls_head.fc_cls.weight,
                                  model.cls_head.fc_cls.bias))
    wrapper.update_params(out.sum())
    assert set(model.state_dict()) == keys
    # `()` autocasts the classifier too; a pattern that matches nothing fails
    plain = OPTIM_WRAPPERS.build(dict(
        type='AmpOptimWrapper', fp32_modules=(),
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))
    fresh = Net()
    with plain.optim_context(fresh):
        assert fresh(torch.randn(2, 8)).dtype == torch.bfloat16
    bad = OPTIM_WRAPPERS.build(dict(
        type='AmpOptimWrapper', fp32_modules=('head.fc',),
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))
    with pytest.raises(ValueError, match="'head.fc' matches no module"):
        with bad.optim_context(Net()):
            pass
