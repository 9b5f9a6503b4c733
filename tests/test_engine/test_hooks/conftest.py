"""Shared fixtures of the hook tests."""
import os.path as osp

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
PRUNE_CFG = osp.join(REPO, 'configs', 'fall_mbv3_prune.py')


@pytest.fixture
def hook_log(monkeypatch):
    """``hook_log(module)``: the list of what that hook module logs through
    ``print_log`` from then on (MMEngine's logger is shared by name between
    the Runners of one test process, so its files are no witness)."""

    def capture(module) -> list:
        logged = []
        monkeypatch.setattr(module, 'print_log',
                            lambda msg, **kwargs: logged.append(msg))
        return logged

    return capture


@pytest.fixture
def tiny_prune_cfg():
    """``tiny_prune_cfg(root, work_dir, hook)``: the prune config on the
    SynthFall at ``root``, with a 0.5-width student, 2 epochs and ``hook``
    (a pruning hook's config) as its only custom hook."""

    def make(root, work_dir, hook: dict) -> Config:
        cfg = Config.fromfile(PRUNE_CFG)
        cfg.model.backbone.backbone.width_mult = 0.5
        cfg.model.cls_head.in_channels = 288
        cfg.load_from = None
        cfg.work_dir = str(work_dir)
        cfg.train_cfg.max_epochs = 2
        cfg.param_scheduler[0].update(T_max=2, end=2)
        cfg.custom_hooks = [hook]
        cfg.default_hooks.logger.interval = 1
        cfg.default_hooks.checkpoint.save_best = None
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
        loader = cfg.train_dataloader
        loader.dataset.ann_file = f'{root}/train.txt'
        loader.dataset.data_prefix.video = str(root)
        loader.update(batch_size=4, num_workers=0, persistent_workers=False)
        return cfg

    return make
