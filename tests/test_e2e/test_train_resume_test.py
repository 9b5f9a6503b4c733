"""The standard tools end to end on a tiny generated SynthFall:
train -> checkpoint -> resume -> test, through `tools/*.py` and `mim`, in
fresh processes, as a user runs them."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from mmlight.reports.benchmark import data_root_options

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASELINE = osp.join(REPO, 'configs', 'fall_mbv3_baseline.py')
pytestmark = pytest.mark.slow


def data_options(root) -> list:
    """--cfg-options that point a SynthFall config at `root`, small and
    single-process."""
    return data_root_options(str(root), batch_size=4, num_workers=0)


def run(args: list, cwd) -> str:
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    out = subprocess.run(args, cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=600)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    return log


def train(cwd, work_dir, *extra, config=BASELINE, root=None, epochs=1):
    return run([
        sys.executable, osp.join(REPO, 'tools', 'train.py'), config,
        '--work-dir', str(work_dir), *extra, '--cfg-options',
        f'train_cfg.max_epochs={epochs}', 'default_hooks.logger.interval=1',
        *data_options(root)
    ], cwd)


def test_train_checkpoint_resume_test(synthfall_tiny, tmp_path):
    work = tmp_path / 'work'
    train(tmp_path, work, root=synthfall_tiny, epochs=1)
    first = torch.load(work / 'epoch_1.pth', weights_only=True)
    assert first['meta']['epoch'] == 1

    # Resume from the latest checkpoint and go on to epoch 2: the epoch,
    # iteration and optimizer state come from the checkpoint, loaded with
    # torch's weights_only=True (the compat allow-list).
    log = train(tmp_path, work, '--resume', root=synthfall_tiny, epochs=2)
    assert 'resumed epoch: 1' in log, log[-3000:]
    assert 'Epoch(train)   [1]' not in log  # epoch 1 was not re-run
    second = torch.load(work / 'epoch_2.pth', weights_only=True)
    assert second['meta']['epoch'] == 2
    iters_per_epoch = first['meta']['iter']
    assert second['meta']['iter'] == 2 * iters_per_epoch
    # AdamW's step count continued from the restored state, not from zero.
    steps = [s['step'] for s in second['optimizer']['state'].values()]
    assert all(float(s) == 2 * iters_per_epoch for s in steps)

    log = run([
        sys.executable, osp.join(REPO, 'tools', 'test.py'), BASELINE,
        str(work / 'epoch_2.pth'), '--work-dir', str(tmp_path / 'test'),
        '--dump', str(tmp_path / 'preds.pkl'), '--cfg-options',
        *data_options(synthfall_tiny)
    ], tmp_path)
    assert 'acc/top1' in log and 'confusion_matrix/result' in log
    from mmlight.reports import load_predictions
    gt, pred = load_predictions(str(tmp_path / 'preds.pkl'))
    n_test = len((synthfall_tiny / 'test.txt').read_text().split('\n')) - 1
    assert len(gt) == len(pred) == n_test


def test_missing_checkpoint_fails_before_building(tmp_path):
    out = subprocess.run([
        sys.executable, osp.join(REPO, 'tools', 'test.py'), BASELINE,
        str(tmp_path / 'missing.pth')
    ], capture_output=True, text=True, timeout=300)
    assert out.returncode != 0
    assert 'checkpoint not found' in out.stderr
    assert 'missing.pth' in out.stderr


def test_mim_trains_an_external_config_inheriting_mmlight(
        synthfall_tiny, tmp_path):
    # An MMAction2 project's own config, outside this repo.
    project_cfg = tmp_path / 'my_fall_detector.py'
    project_cfg.write_text(
        "_base_ = ['mmlight::fall_mbv3_baseline.py']\n"
        "custom_imports = dict(imports=['mmlight'])\n"
        'model = dict(cls_head=dict(dropout_ratio=0.2))\n')
    mim = osp.join(osp.dirname(sys.executable), 'mim')
    log = run([
        mim, 'train', 'mmlight', str(project_cfg), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', 'train_cfg.max_epochs=1',
        *data_options(synthfall_tiny)
    ], tmp_path)
    assert (tmp_path / 'work' / 'epoch_1.pth').is_file(), log[-3000:]
    assert 'Epoch(val) [1]' in log
