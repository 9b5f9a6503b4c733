"""configs/fall_mbv3_prune.py through tools/train.py and tools/test.py in
fresh processes: iterative pruning while training, a test of the pruned
checkpoint, and a resumed run that keeps the pruned shapes without pruning
again."""
import os.path as osp
import sys

import pytest
import torch

from test_train_resume_test import REPO, data_options, run

PRUNE = osp.join(REPO, 'configs', 'fall_mbv3_prune.py')
pytestmark = pytest.mark.slow


def train(config, work_dir, root, epochs, *extra) -> str:
    return run([
        sys.executable, osp.join(REPO, 'tools', 'train.py'), config,
        '--work-dir', str(work_dir), *extra, '--cfg-options',
        'load_from=None', 'custom_hooks.0.num_samples=4',
        'custom_hooks.1.prune_at=[0,1]', f'train_cfg.max_epochs={epochs}',
        'default_hooks.logger.interval=1', *data_options(root)
    ], work_dir.parent)


def test_prune_test_resume(synthfall_tiny, tmp_path):
    config = PRUNE
    work = tmp_path / 'work'
    log = train(config, work, synthfall_tiny, 2)
    assert 'channel pruning step 1/2' in log and \
        'channel pruning step 2/2' in log
    assert 'FLOPs 34.667M -> 18.464M (-46.7%)' in log
    assert 'TemporalShift' in log  # skipped layers are logged with reasons
    ckpt = torch.load(work / 'epoch_2.pth', weights_only=True)
    shapes = ckpt['meta']['mmlight_pruned_shapes']
    assert ckpt['meta']['mmlight_pruning_steps'] == 2
    assert ckpt['state_dict']['cls_head.fc_cls.weight'].shape[1] < 576
    assert shapes['modules']['cls_head.fc_cls']['attrs']['in_features'] \
        == ckpt['state_dict']['cls_head.fc_cls.weight'].shape[1]

    log = run([
        sys.executable, osp.join(REPO, 'tools', 'test.py'), config,
        str(work / 'epoch_2.pth'), '--work-dir', str(tmp_path / 'test'),
        '--cfg-options', *data_options(synthfall_tiny)
    ], tmp_path)
    assert 'modules reshaped to the pruned checkpoint' in log
    assert 'size mismatch' not in log and 'missing keys' not in log
    assert 'acc/top1' in log

    log = train(config, work, synthfall_tiny, 3, '--resume')
    assert 'resumed epoch: 2' in log
    assert 'channel pruning step' not in log
    assert 'size mismatch' not in log
    last = torch.load(work / 'epoch_3.pth', weights_only=True)
    assert last['meta']['mmlight_pruned_shapes'] == shapes
    state = last['state_dict']
    assert {k: v.shape for k, v in state.items()} == {
        k: v.shape for k, v in ckpt['state_dict'].items()}
    # Adam's moments were restored onto the pruned parameters
    exp_avg = {tuple(s['exp_avg'].shape)
               for s in last['optimizer']['state'].values()}
    assert (state['cls_head.fc_cls.weight'].shape[0],
            state['cls_head.fc_cls.weight'].shape[1]) in exp_avg
