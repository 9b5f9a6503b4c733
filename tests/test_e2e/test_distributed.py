"""Distributed training through MMEngine: a real 2-process run on the CPU
(torchrun + gloo, tools/dist_train.sh) and the Slurm command line that
`mim train mmlight ... --launcher slurm` builds."""
import json
import math
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from test_train_resume_test import REPO, data_options, run

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
        # what this rank's batches hold (DefaultSampler or a batch sampler)
        self.seen = [int(i) for batch in runner.train_dataloader.batch_sampler
                     for i in batch]

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.iters += 1

    def after_train(self, runner):
        model = runner.model
        params = {n: list(p.shape) for n, p in model.module.named_parameters()
                  if not n.startswith('teacher.')}
        batch_sampler = runner.train_dataloader.batch_sampler
        with open(f'{self.out_dir}/rank{get_rank()}.json', 'w') as f:
            json.dump(dict(
                seen=self.seen, iters=self.iters, world=runner.world_size,
                wrapper=type(model).__name__, params=params,
                bytes_per_element=getattr(batch_sampler,
                                          'bytes_per_element', None)), f)
'''


def dist_train(tmp_path, root, base: str, port: int, body: str = '',
               options=()) -> tuple:
    """`tools/dist_train.sh CONFIG 2` for one epoch of `base` (plus `body`)
    with the rank probe after its hooks; returns the log and each rank's
    probe record."""
    (tmp_path / 'rank_probe.py').write_text(PROBE)
    config = tmp_path / 'probed.py'
    config.write_text(
        f"_base_ = [{osp.join(REPO, 'configs', base)!r}]\n"
        "custom_imports = dict(imports=['mmlight', 'rank_probe'])\n"
        "custom_hooks = [*_base_.get('custom_hooks', []), "
        "dict(type='RankDataProbe', "
        f"out_dir={str(tmp_path)!r})]\n{body}")
    env = dict(os.environ, PYTHONWARNINGS='ignore', OMP_NUM_THREADS='1',
               PYTHONPATH=f'{tmp_path}{os.pathsep}'
               f'{os.environ.get("PYTHONPATH", "")}',
               PYTHON=sys.executable, PORT=str(port))
    out = subprocess.run([
        'bash', osp.join(REPO, 'tools', 'dist_train.sh'), str(config), '2',
        '--work-dir', str(tmp_path / 'work'), '--cfg-options',
        'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1',
        *data_options(root), *options
    ], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    ranks = [json.loads((tmp_path / f'rank{r}.json').read_text())
             for r in (0, 1)]
    assert all(r['world'] == 2 for r in ranks), ranks
    assert all(r['wrapper'] == 'MMDistributedDataParallel' for r in ranks)
    # DDP hangs or fails unless every rank runs as many iterations
    assert ranks[0]['iters'] == ranks[1]['iters'] > 0
    return log, ranks


def n_train(root) -> int:
    lines = (root / 'train.txt').read_text().split('\n')
    return len([line for line in lines if line])


def test_two_processes_share_the_epoch_and_write_one_checkpoint(
        synthfall_tiny, tmp_path):
    log, ranks = dist_train(tmp_path, synthfall_tiny, 'fall_mbv3_baseline.py',
                            29533)
    work = tmp_path / 'work'
    seen = [set(r['seen']) for r in ranks]
    n = n_train(synthfall_tiny)
    # each rank its own half (DefaultSampler pads an odd count by one)
    assert len(seen[0] & seen[1]) <= n % 2
    assert seen[0] | seen[1] == set(range(n))
    # rank 0 alone writes checkpoints (and the best.pth link)
    ckpts = sorted(p.name for p in work.glob('*.pth'))
    assert ckpts == ['best.pth', 'best_acc_top1_epoch_1.pth', 'epoch_1.pth']
    assert os.readlink(work / 'best.pth') == 'best_acc_top1_epoch_1.pth'
    # each rank's random states are in the checkpoint (gathered over gloo)
    states = torch.load(work / 'epoch_1.pth',
                        weights_only=True)['random_state']
    assert states['world_size'] == 2 and len(states['states']) == 2
    assert torch.load(work / 'epoch_1.pth',
                      weights_only=True)['meta']['epoch'] == 1
    assert "'backend': 'gloo'" in log or 'gloo' in log


def test_distillation_with_the_memory_aware_sampler_under_ddp(
        synthfall_tiny, tmp_path):
    """The TSM-teacher distillation config, batched by the memory-aware
    sampler (probed once per rank, agreed on), on two processes."""
    from mmengine.config import Config

    from mmlight.registry import MODELS
    teacher = MODELS.build(Config.fromfile(
        osp.join(REPO, 'configs', 'fall_shufflenetv2_tsm.py')).model)
    ckpt = tmp_path / 'teacher.pth'
    torch.save({'meta': {}, 'state_dict': teacher.state_dict()}, ckpt)
    # the sampler probes the whole algorithm: it trains on the decoded
    # clips, teacher and student views cut from them
    log, ranks = dist_train(
        tmp_path, synthfall_tiny, 'fall_mbv3_distill_tsm_teacher.py', 29534,
        body=f"model = dict(teacher_ckpt={str(ckpt)!r})\n"
        "train_dataloader = dict(batch_size=3, batch_sampler=dict(\n"
        "    type='MemoryAwareBatchSampler', max_memory='1GB',\n"
        f"    probe_model=dict(_base_.model, teacher_ckpt={str(ckpt)!r})))\n")
    assert 'distill.loss_kd' in log
    assert 'MemoryAwareBatchSampler: probed' in log
    # the ranks packed with one agreed factor ...
    assert ranks[0]['bytes_per_element'] == ranks[1]['bytes_per_element'] > 0
    # ... and between them trained on every clip
    assert set(ranks[0]['seen']) | set(ranks[1]['seen']) == set(
        range(n_train(synthfall_tiny)))
    assert ranks[0]['params'] == ranks[1]['params']
    # rank 0 alone writes checkpoints, and the student-only copies
    assert sorted(p.name for p in (tmp_path / 'work').glob('*.pth')) == [
        'best.pth', 'best_acc_top1_epoch_1.pth', 'best_acc_top1_epoch_1_student.pth',
        'epoch_1.pth', 'epoch_1_student.pth']


def test_channel_pruning_under_ddp(synthfall_tiny, tmp_path):
    """Rank 0 prunes, the other rank takes its shapes, the model is
    wrapped again; both train the same pruned network, and its checkpoint
    tests in one process."""
    from mmengine.config import Config

    from mmlight.registry import MODELS
    full = {n: list(p.shape) for n, p in MODELS.build(Config.fromfile(
        osp.join(REPO, 'configs', 'fall_mbv3s_tsm.py')).model
    ).named_parameters()}
    log, ranks = dist_train(tmp_path, synthfall_tiny, 'fall_mbv3_prune.py',
                            29535, options=['load_from=None'])
    assert 'optimizer rebound to the new parameters' in log
    assert 're-wrapped, weights from rank 0' in log
    pruned = ranks[0]['params']
    assert pruned == ranks[1]['params']
    assert sum(math.prod(s) for s in pruned.values()) < 0.7 * sum(
        math.prod(s) for s in full.values())
    ckpt = tmp_path / 'work' / 'epoch_1.pth'
    meta = torch.load(ckpt, weights_only=True)['meta']
    assert meta['mmlight_pruning_steps'] == 1
    log = run([
        sys.executable, osp.join(REPO, 'tools', 'test.py'),
        osp.join(REPO, 'configs', 'fall_mbv3_prune.py'), str(ckpt),
        '--work-dir', str(tmp_path / 'test'), '--cfg-options',
        'load_from=None', *data_options(synthfall_tiny)
    ], tmp_path)
    assert 'acc/top1' in log


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
