"""Every shipped config parses, builds its model in mmlight's scope and runs
a forward pass on a clip of the shape its pipeline produces."""
import glob
import os.path as osp

import pytest
import torch
from mmaction.structures import ActionDataSample
from mmengine.config import Config

from mmlight.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'fall_*.py')))


def test_there_are_configs():
    names = {osp.basename(c) for c in CONFIGS}
    assert {'fall_mbv3_baseline.py', 'fall_slowonly_r18_teacher.py',
            'fall_slowfast_r50_teacher.py'} <= names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_and_forwards(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmlight'
    assert cfg.custom_imports['imports'] == ['mmlight']
    # the LR schedule ends with training
    assert cfg.param_scheduler[-1]['end'] == cfg.train_cfg.max_epochs
    model = MODELS.build(cfg.model).eval()
    pipeline = cfg.test_dataloader.dataset.pipeline
    sampler, fmt = pipeline[1], pipeline[-2]['input_format']
    w, h = next(t['scale'] for t in pipeline if t['type'] == 'Resize')
    if fmt == 'NCTHW':
        x = torch.randn(1, 1, 3, sampler['clip_len'], h, w)
    else:
        x = torch.randn(1, sampler['num_clips'], 3, h, w)
    with torch.no_grad():
        out = model(x, [ActionDataSample()], mode='predict')
    assert out[0].pred_score.shape == (cfg.num_classes, )
    assert torch.isclose(out[0].pred_score.sum(), torch.tensor(1.))
