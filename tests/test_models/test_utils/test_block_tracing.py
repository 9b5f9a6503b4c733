import pytest
import torch
import torchvision

from mmlight.models.utils import (DEFAULT_BLOCK_TYPES, find_blocks,
                                  has_shortcut, trace_blocks)


def _trace(model):
    blocks = find_blocks(model, DEFAULT_BLOCK_TYPES)
    return trace_blocks(model.features, model, blocks,
                        torch.zeros(2, 3, 128, 128))


def test_mobilenet_v3_small_blocks_and_stages():
    model = torchvision.models.mobilenet_v3_small().train()
    infos = _trace(model)
    assert [i.name for i in infos] == [f'features.{i}' for i in range(1, 12)]
    # one stage per output stride 4, 8, 16, 32
    assert [i.stage for i in infos] == [0, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3]
    assert [i.out_size for i in infos][:2] == [(32, 32), (16, 16)]
    # expansion 1x1 runs first, then the depthwise 5x5
    assert infos[3].convs[:2] == ['block.0.0', 'block.1.0']
    assert infos[3].spatial_convs == ['block.1.0']
    assert model.training  # mode restored


def test_trace_leaves_bn_statistics_alone():
    model = torchvision.models.mobilenet_v3_small()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    _trace(model)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_find_blocks_returns_outermost_only():
    model = torchvision.models.resnet18()
    names = [n for n, _ in find_blocks(model, ('BasicBlock', 'Conv2d'))]
    assert names[0] == 'conv1' and 'layer1.0' in names
    assert not any(n.startswith('layer1.0.') for n in names)


@pytest.mark.parametrize('index,expected', [(1, False), (3, True)])
def test_has_shortcut_torchvision_mobilenet(index, expected):
    model = torchvision.models.mobilenet_v3_small()
    assert has_shortcut(model.features[index]) is expected


def test_has_shortcut_shufflenet_by_stride():
    model = torchvision.models.shufflenet_v2_x0_5()
    assert not has_shortcut(model.stage2[0])  # stride 2
    assert has_shortcut(model.stage2[1])  # stride 1: half passes through


def test_has_shortcut_timm_flag():
    timm = pytest.importorskip('timm')
    model = timm.create_model('efficientnet_lite0', pretrained=False)
    assert has_shortcut(model.blocks[1][1])
    assert not has_shortcut(model.blocks[1][0])
