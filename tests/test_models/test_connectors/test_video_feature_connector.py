import pytest
import torch

# mmlight first: its compat fixes make mmrazor importable on torch 2
from mmlight.models.connectors import VideoFeatureConnector
from mmlight.registry import MODELS
from mmrazor.models.architectures.connectors.base_connector import \
    BaseConnector  # noqa: E402, I001


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def test_2d_student_features_to_teacher_layout():
    connector = VideoFeatureConnector(4, 6, num_segs=3)
    assert isinstance(connector, BaseConnector)
    x = torch.randn(2 * 3, 4, 5, 5)
    out = connector(x)
    assert out.shape == (2, 6, 3, 5, 5)
    # frames of a clip stay in order: the projection is per position
    connector.eval()
    video = x.view(2, 3, 4, 5, 5).transpose(1, 2)
    assert torch.allclose(connector(x), connector(video), atol=1e-6)
    assert torch.allclose(connector(x)[:, :, 1],
                          connector(video[:, :, 1:2])[:, :, 0],
                          atol=1e-6)


def test_3d_features_need_no_num_segs():
    connector = VideoFeatureConnector(4, 8)
    assert connector(torch.randn(2, 4, 3, 2, 2)).shape == (2, 8, 3, 2, 2)


def test_gradient_flows_to_input_and_projection():
    connector = VideoFeatureConnector(4, 6, num_segs=2)
    x = torch.randn(4, 4, 3, 3, requires_grad=True)
    connector(x).pow(2).sum().backward()
    assert x.grad.abs().sum() > 0
    assert connector.conv.weight.grad.abs().sum() > 0
    assert connector.conv.bias is None


def test_4d_features_without_num_segs_fail():
    with pytest.raises(ValueError, match='num_segs'):
        VideoFeatureConnector(4, 6)(torch.randn(8, 4, 2, 2))


def test_wrong_channels_fail():
    with pytest.raises(ValueError, match='in_channels'):
        VideoFeatureConnector(4, 6)(torch.randn(1, 5, 2, 2, 2))


def test_builds_from_config():
    connector = MODELS.build(
        dict(type='VideoFeatureConnector',
             in_channels=4,
             out_channels=6,
             num_segs=2))
    assert isinstance(connector, VideoFeatureConnector)


@pytest.mark.parametrize('kwargs, name', [
    (dict(in_channels=0, out_channels=4), 'in_channels'),
    (dict(in_channels=4, out_channels=0), 'out_channels'),
    (dict(in_channels=4, out_channels=4, num_segs=0), 'num_segs'),
])
def test_invalid_arguments_fail_in_init(kwargs, name):
    with pytest.raises(ValueError, match=name):
        VideoFeatureConnector(**kwargs)
