"""Distributed training through MMEngine: a real 2-process run on the CPU
(torchrun + gloo, tools/dist_train.sh) and the Slurm command line that
`mim train mmlight ... --launcher slurm` builds."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from test_train_resume_test import REPO, data_options

pytestmark = pytest.mark.slow

# A hook in a module of its own (custom_imports): every rank writes the
# samples its dataloader served this epoch, and how many batches it ran.
PROBE = '''
import json
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmlight.registry import HOOKS


@HOOKS.register_module()
class RankDataProbe(Hook):

    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.seen = []
        self.iters = 0

    def before_train_epoch(self, runner):
        loader = runner.train_dataloader
        self.seen = [int(i) for i in loader.sampler]

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.iters += 1

    def after_train(self, runner):
        with open(f'{self.out_dir}/rank{get_rank()}.json', 'w') as f:
            json.dump(dict(seen=self.seen, iters=self.iters,
                           world=runner.world_size), f)
'''


def test_two_processes_share_the_epoch_and_write_one_checkpoint(
        synthfall_tiny, tmp_path):
    (tmp_path / 'rank_probe.py').write_text(PROBE)
    config = tmp_path / 'probed.py'
    config.write_text(
        f"_base_ = [{osp.join(REPO, 'configs', 'fall_mbv3_baseline.py')!r}]\n"
        "custom_imports = dict(imports=['mmlight', 'rank_probe'])\n"
        f"custom_hooks = [dict(type='RankDataProbe', out_dir={str(tmp_path)!r})]"
        "\n")
    work = tmp_path / 'work'
    env = dict(os.environ, PYTHONWARNINGS='ignore', OMP_NUM_THREADS='1',
               PYTHONPATH=f'{tmp_path}{os.pathsep}'
               f'{os.environ.get("PYTHONPATH", "")}',
               PYTHON=sys.executable, PORT='29533')
    out = subprocess.run([
        'bash', osp.join(REPO, 'tools', 'dist_train.sh'), str(config), '2',
        '--work-dir', str(work), '--cfg-options',
        'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1',
        *data_options(synthfall_tiny)
    ], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    ranks = [json.loads((tmp_path / f'rank{r}.json').read_text())
             for r in (0, 1)]
    assert all(r['world'] == 2 for r in ranks)
    assert ranks[0]['iters'] == ranks[1]['iters'] > 0
    seen = [set(r['seen']) for r in ranks]
    train = (synthfall_tiny / 'train.txt').read_text().split('\n')
    n_train = len([line for line in train if line])
    # each rank its own half (DefaultSampler pads an odd count by one)
    assert len(seen[0] & seen[1]) <= n_train % 2
    assert seen[0] | seen[1] == set(range(n_train))
    # rank 0 alone writes checkpoints
    ckpts = sorted(p.name for p in work.glob('*.pth'))
    assert ckpts == ['best_acc_top1_epoch_1.pth', 'epoch_1.pth']
    assert torch.load(work / 'epoch_1.pth',
                      weights_only=True)['meta']['epoch'] == 1
    assert "'backend': 'gloo'" in log or 'gloo' in log


def test_mim_builds_the_slurm_command_line(monkeypatch, tmp_path):
    import mim.commands.train  # noqa: F401 (the module, not the function)
    mim_train = sys.modules['mim.commands.train']
    calls = []

    def record(cmd, env=None):
        calls.append((cmd, env))
        return 0

    monkeypatch.setattr(mim_train.subprocess, 'check_call', record)
    ok, _ = mim_train.train(
        package='mmlight', config='fall_mbv3s_tsm.py', gpus=16,
        gpus_per_node=8, cpus_per_task=4, partition='P', launcher='slurm',
        port=29600, other_args=('--work-dir', 'w', '--cfg-options',
                                'sync_bn=torch'))
    assert ok
    cmd, env = calls[0]
    assert cmd[:9] == ['srun', '-p', 'P', '--gres=gpu:8', '--ntasks=16',
                       '--ntasks-per-node=8', '--cpus-per-task=4',
                       '--kill-on-bad-exit=1',
                       '--job-name=fall_mbv3s_tsm_train']
    script, config = cmd[11], cmd[12]
    assert script.endswith(osp.join('mmlight', '.mim', 'tools', 'train.py'))
    assert osp.isfile(script)
    assert config.endswith('fall_mbv3s_tsm.py') and osp.isfile(config)
    assert cmd[13:] == ['--launcher', 'slurm', '--work-dir', 'w',
                        '--cfg-options', 'sync_bn=torch']
    assert env['MASTER_PORT'] == '29600'
