import pytest
import torch
import torch.nn as nn

from mmlight.models.utils.teacher import freeze, load_checkpoint_strict


def _net():
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4),
                         nn.ReLU(inplace=True))


def test_strict_checkpoint_loads_mmengine_and_fp16(tmp_path):
    src = _net()
    path = str(tmp_path / 'ok.pth')
    torch.save({'meta': {}, 'state_dict': {
        f'module.{k}': v.half() if v.is_floating_point() else v
        for k, v in src.state_dict().items()}}, path)
    dst = _net()
    load_checkpoint_strict(dst, path)
    assert torch.equal(dst[0].weight, src[0].weight.half().float())


def test_strict_checkpoint_names_file_and_keys(tmp_path):
    path = str(tmp_path / 'other.pth')
    other = nn.Sequential(nn.Conv2d(3, 5, 3))
    torch.save(other.state_dict(), path)
    with pytest.raises(ValueError) as err:
        load_checkpoint_strict(_net(), path, what='teacher')
    msg = str(err.value)
    assert 'other.pth does not fit the teacher' in msg
    assert '1.running_mean' in msg and "0.weight: (5, 3, 3, 3)" in msg
    with pytest.raises(FileNotFoundError, match='teacher checkpoint not '
                       'found: .*gone.pth'):
        load_checkpoint_strict(_net(), str(tmp_path / 'gone.pth'),
                               what='teacher')


def test_freeze():
    net = freeze(_net().train())
    assert not net.training and not net[2].inplace
    assert not any(p.requires_grad for p in net.parameters())
