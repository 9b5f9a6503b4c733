"""A run killed with SIGKILL and resumed ends bitwise where the
uninterrupted run ends (`tools/train.py --deterministic`, real processes)."""
import os
import re
import os.path as osp
import signal
import subprocess
import sys

import pytest
import torch

from mmlight.reports.benchmark import data_root_options

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'fall_mbv3s_tsm.py')
pytestmark = pytest.mark.slow
TRAIN_LINE = re.compile(r'Epoch\(train\)\s+\[(\d+)\]\[\s*(\d+)/')


def command(work_dir, root, *extra) -> list:
    # Two dataloader workers (started each epoch under --deterministic),
    # dropout and random augmentation: every generator is in play.
    return [
        sys.executable, osp.join(REPO, 'tools', 'train.py'), CONFIG,
        '--work-dir', str(work_dir), '--seed', '0', '--deterministic',
        *extra, '--cfg-options', 'train_cfg.max_epochs=3',
        'default_hooks.logger.interval=1',
        'custom_hooks.0.num_samples=4',
        *data_root_options(str(root), batch_size=2, num_workers=2)
    ]


def env() -> dict:
    return dict(os.environ, PYTHONWARNINGS='ignore', OMP_NUM_THREADS='1')


def losses(log: str, epochs=(2, 3)) -> dict:
    """``{'[e][i/n]': 'loss: x'}`` of the training lines of these epochs."""
    found = {}
    for line in log.splitlines():
        step = TRAIN_LINE.search(line)
        if step and int(step[1]) in epochs and ' loss: ' in line:
            found[step[0]] = line.split(' loss: ')[1].split()[0]
    return found


def train(work_dir, root, *extra) -> str:
    out = subprocess.run(command(work_dir, root, *extra), env=env(),
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, (out.stdout + out.stderr)[-4000:]
    return out.stdout + out.stderr


def train_and_kill_in_epoch_2(work_dir, root) -> None:
    proc = subprocess.Popen(command(work_dir, root), env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        step = TRAIN_LINE.search(line)
        if step and (step[1], step[2]) == ('2', '2'):
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, ''.join(lines)[-3000:]
    assert (work_dir / 'epoch_1.pth').is_file()
    assert not (work_dir / 'epoch_2.pth').exists()


def test_killed_and_resumed_run_equals_uninterrupted(synthfall_tiny,
                                                     tmp_path):
    whole, killed = tmp_path / 'whole', tmp_path / 'killed'
    whole_log = train(whole, synthfall_tiny)
    train_and_kill_in_epoch_2(killed, synthfall_tiny)
    log = train(killed, synthfall_tiny, '--resume')
    assert 'resumed epoch: 1' in log and 'random states restored' in log

    a = torch.load(whole / 'epoch_3.pth', weights_only=True)
    b = torch.load(killed / 'epoch_3.pth', weights_only=True)
    assert a['state_dict'].keys() == b['state_dict'].keys()
    differ = [k for k in a['state_dict']
              if not torch.equal(a['state_dict'][k], b['state_dict'][k])]
    assert not differ, f'{len(differ)} tensors differ, e.g. {differ[:3]}'
    for sa, sb in zip(a['optimizer']['state'].values(),
                      b['optimizer']['state'].values()):
        assert all(torch.equal(sa[k], sb[k]) for k in sa)
    # every logged loss of epochs 2 and 3 is the uninterrupted run's
    assert losses(log) and losses(log) == losses(whole_log)
