import pytest
import torch

from mmlight.models.utils import map_state_dict, read_state_dict

OWN = {'model.a.module.weight': torch.zeros(2, 3), 'model.b': torch.zeros(4)}
KEY_MAP = {'a.weight': 'model.a.module.weight', 'b': 'model.b'}


@pytest.mark.parametrize('wrap', [
    lambda sd: sd, lambda sd: {'state_dict': sd}, lambda sd: {'model': sd},
    lambda sd: {'state_dict': {f'module.{k}': v for k, v in sd.items()}}])
def test_read_and_map_common_layouts(tmp_path, wrap):
    sd = {'a.weight': torch.ones(2, 3), 'b': torch.full((4, ), 2.),
          'classifier.weight': torch.ones(7, 3)}
    path = str(tmp_path / 'w.pth')
    torch.save(wrap(sd), path)
    mapped, unexpected = map_state_dict(read_state_dict(path), KEY_MAP, OWN)
    assert set(mapped) == set(OWN)
    assert torch.equal(mapped['model.b'], sd['b'])
    assert [k.split('.')[-2] for k in unexpected] == ['classifier']


def test_own_names_with_backbone_prefix_match():
    src = {'backbone.model.b': torch.ones(4)}
    mapped, unexpected = map_state_dict(src, KEY_MAP, OWN)
    assert list(mapped) == ['model.b'] and not unexpected


def test_shape_mismatch_names_the_key():
    with pytest.raises(ValueError, match=r"'b' has shape \(5,\)"):
        map_state_dict({'b': torch.ones(5)}, KEY_MAP, OWN, 'x.pth')


def test_no_matching_key_is_an_error():
    with pytest.raises(ValueError, match='x.pth: none of its 1 keys'):
        map_state_dict({'zzz': torch.ones(1)}, KEY_MAP, OWN, 'x.pth')


def test_missing_file_url_and_garbage(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        read_state_dict(str(tmp_path / 'nope.pth'))
    with pytest.raises(FileNotFoundError, match='local file'):
        read_state_dict('https://download.pytorch.org/x.pth')
    path = str(tmp_path / 'list.pth')
    torch.save([1, 2], path)
    with pytest.raises(ValueError, match='not a state dict'):
        read_state_dict(path)
