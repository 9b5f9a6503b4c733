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
    model = MODELS.build(cfg.model).eval()
    sampler = cfg.test_dataloader.dataset.pipeline[1]
    fmt = cfg.test_dataloader.dataset.pipeline[-2]['input_format']
    if fmt == 'NCTHW':
        x = torch.randn(1, 1, 3, sampler['clip_len'], 96, 128)
    else:
        x = torch.randn(1, sampler['num_clips'], 3, 96, 128)
    with torch.no_grad():
        out = model(x, [ActionDataSample()], mode='predict')
    assert out[0].pred_score.shape == (cfg.num_classes, )
    assert torch.isclose(out[0].pred_score.sum(), torch.tensor(1.))
