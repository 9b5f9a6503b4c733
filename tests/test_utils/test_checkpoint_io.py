import pickle

import pytest
import torch

from mmlight.utils.checkpoint_io import CheckpointError, load_checkpoint_file


@pytest.fixture
def bad_files(tmp_path):
    good = tmp_path / 'epoch_1.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(64, 64))), good)
    data = good.read_bytes()
    (tmp_path / 'truncated.pth').write_bytes(data[:len(data) // 2])
    (tmp_path / 'empty.pth').write_bytes(b'')
    (tmp_path / 'garbage.pth').write_bytes(b'not a checkpoint' * 10)

    class Evil:
        def __reduce__(self):
            return (print, ('pwned', ))

    torch.save(Evil(), tmp_path / 'evil.pth')  # a zip that calls print
    return tmp_path


@pytest.mark.parametrize('name,reason', [
    ('truncated.pth', 'truncated or not a PyTorch checkpoint'),
    ('empty.pth', r'empty \(0 bytes\)'),
    ('garbage.pth', 'not a PyTorch checkpoint.*Unsupported operand'),
    ('evil.pth',
     r'safe loading refuses \(Unsupported global: GLOBAL print\)'),
])
def test_unreadable_checkpoint_names_the_file(bad_files, name, reason):
    path = str(bad_files / name)
    with pytest.raises(CheckpointError, match=reason) as info:
        load_checkpoint_file(path, what='teacher checkpoint')
    assert str(info.value).startswith(f'{path}: ')
    assert 'epoch_1.pth' in str(info.value)  # the others beside it
    assert pickle.loads(pickle.dumps(info.value)).path == path


def test_good_and_missing(bad_files):
    ckpt = load_checkpoint_file(str(bad_files / 'epoch_1.pth'))
    assert ckpt['state_dict']['w'].shape == (64, 64)
    with pytest.raises(FileNotFoundError, match='checkpoint not found'):
        load_checkpoint_file(str(bad_files / 'nope.pth'))


def test_teacher_checkpoint_error_names_it(bad_files):
    from mmlight.models.utils.teacher import load_checkpoint_strict
    with pytest.raises(CheckpointError, match='truncated.pth'):
        load_checkpoint_strict(torch.nn.Linear(2, 2),
                               str(bad_files / 'truncated.pth'),
                               what='teacher')
