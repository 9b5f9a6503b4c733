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
