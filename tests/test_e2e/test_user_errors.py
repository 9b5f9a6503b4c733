"""Bad input to the standard tools ends with one line naming the culprit
(file, line or key) and a non-zero exit, in fresh processes."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
import torch

from mmlight.reports.benchmark import data_root_options

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASELINE = osp.join(REPO, 'configs', 'fall_mbv3_baseline.py')
pytestmark = pytest.mark.slow


def last_line(args, cwd) -> str:
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    env.pop('MMLIGHT_TRACEBACK', None)
    out = subprocess.run([sys.executable, *args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 1, (out.stdout + out.stderr)[-3000:]
    assert 'Traceback' not in out.stderr, out.stderr[-3000:]
    return out.stderr.strip().splitlines()[-1]


def tool(name):
    return osp.join(REPO, 'tools', name)


def opts(root, *extra):
    return ['--cfg-options', *data_root_options(str(root), batch_size=2,
                                                num_workers=0), *extra]


def test_config_syntax_error(tmp_path):
    bad = tmp_path / 'bad.py'
    bad.write_text("_base_ = ['%s']\nmodel = dict(\n" % BASELINE)
    line = last_line([tool('train.py'), str(bad)], tmp_path)
    assert line == (f"tools/train.py: error: '(' was never closed in config "
                    f'{bad}, line 2: model = dict(')


def test_annotation_line_without_label(synthfall_tiny, tmp_path):
    data = tmp_path / 'data'
    shutil.copytree(synthfall_tiny, data, symlinks=True)
    lines = (data / 'train.txt').read_text().splitlines()
    lines[2] = lines[2].split()[0]
    (data / 'train.txt').write_text('\n'.join(lines) + '\n')
    line = last_line([tool('train.py'), BASELINE, '--work-dir',
                      str(tmp_path / 'w'), *opts(data)], tmp_path)
    assert line.startswith(f'tools/train.py: error: {data}/train.txt:3: '
                           'no label in ')


def test_wrong_data_prefix(synthfall_tiny, tmp_path):
    line = last_line([
        tool('train.py'), BASELINE, '--work-dir', str(tmp_path / 'w'),
        *opts(synthfall_tiny,
              f'train_dataloader.dataset.data_prefix.video={tmp_path}')
    ], tmp_path)
    assert 'train.txt: none of the' in line and 'videos it lists exists' \
        in line and f"data_prefix.video='{tmp_path}'" in line


@pytest.fixture
def truncated(tmp_path):
    """A work dir whose latest checkpoint was cut short, an intact one
    beside it."""
    work = tmp_path / 'work'
    work.mkdir()
    torch.save(dict(state_dict={}), work / 'epoch_1.pth')
    torch.save(dict(state_dict=dict(w=torch.ones(1000))), work / 'epoch_2.pth')
    data = (work / 'epoch_2.pth').read_bytes()
    (work / 'epoch_2.pth').write_bytes(data[:len(data) // 2])
    (work / 'last_checkpoint').write_text(str(work / 'epoch_2.pth'))
    return work


@pytest.mark.parametrize('how', ['test', 'auto-resume', 'load_from'])
def test_truncated_checkpoint(synthfall_tiny, tmp_path, truncated, how):
    ckpt = str(truncated / 'epoch_2.pth')
    if how == 'test':
        args = [tool('test.py'), BASELINE, ckpt, '--work-dir',
                str(tmp_path / 't'), *opts(synthfall_tiny)]
    elif how == 'auto-resume':
        args = [tool('train.py'), BASELINE, '--work-dir', str(truncated),
                '--resume', *opts(synthfall_tiny)]
    else:
        args = [tool('train.py'), BASELINE, '--work-dir',
                str(tmp_path / 'w'), *opts(synthfall_tiny, f'load_from={ckpt}')]
    line = last_line(args, tmp_path)
    assert line.startswith(f'tools/{osp.basename(args[0])}: error: {ckpt}: cannot '
                           'read the checkpoint: the file is truncated')
    assert 'other checkpoints' in line and 'epoch_1.pth' in line


def test_every_training_clip_unreadable(synthfall_tiny, tmp_path):
    # before: "Cannot find valid image after 1000!" from a worker
    data = tmp_path / 'data'
    shutil.copytree(synthfall_tiny, data, symlinks=True)
    for line in (data / 'train.txt').read_text().splitlines():
        (data / line.split()[0]).write_bytes(b'not a video' * 20)
    line = last_line([
        tool('train.py'), BASELINE, '--work-dir', str(tmp_path / 'w'),
        '--cfg-options', *data_root_options(str(data), batch_size=2,
                                            num_workers=2)
    ], tmp_path)
    assert line.startswith('tools/train.py: error: ') and \
        'no clip could be read' in line and f'{data}/train.txt' in line
