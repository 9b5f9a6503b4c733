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


def _random_teacher_ckpt(cfg, tmp_path) -> str:
    from mmlight.utils import load_config
    teacher = MODELS.build(load_config(cfg.model.teacher).model)
    path = str(tmp_path / 'teacher.pth')
    torch.save({'meta': {}, 'state_dict': teacher.state_dict()}, path)
    return path


def _random_logits(cfg, tmp_path) -> str:
    """A logits cache for the two clips of `_check_distill_train_step`;
    the config must pack the file name it looks them up by."""
    from mmlight.models.utils.teacher import save_teacher_logits
    pack = cfg.train_dataloader.dataset.pipeline[-1]
    assert pack['type'] == 'PackActionInputs'
    assert 'filename' in pack['meta_keys']
    path = str(tmp_path / 'teacher_logits.pth')
    save_teacher_logits({f'{i}.mp4': torch.randn(cfg.num_classes)
                         for i in range(2)}, path, config='random')
    return path


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_and_forwards(path, tmp_path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmlight'
    assert cfg.custom_imports['imports'] == ['mmlight']
    # the LR schedule ends with training
    assert cfg.param_scheduler[-1]['end'] == cfg.train_cfg.max_epochs
    if cfg.model.type == 'VideoDistill':
        cfg.model.teacher_ckpt = _random_teacher_ckpt(cfg, tmp_path)
        if cfg.model.get('teacher_logits'):
            cfg.model.teacher_logits = _random_logits(cfg, tmp_path)
        if cfg.model.get('student_ckpt'):
            student = MODELS.build(cfg.model.student)
            cfg.model.student_ckpt = str(tmp_path / 'student.pth')
            torch.save({'meta': {}, 'state_dict': student.state_dict()},
                       cfg.model.student_ckpt)
        _check_distill_train_step(cfg)
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


def _check_distill_train_step(cfg) -> None:
    """A training batch in the teacher's format gives finite losses."""
    model = MODELS.build(cfg.model).train()
    pipeline = cfg.train_dataloader.dataset.pipeline
    sampler = next(t for t in pipeline if t['type'] == 'SampleFrames')
    w, h = next(t['scale'] for t in pipeline if t['type'] == 'Resize')
    assert pipeline[-2]['input_format'] == 'NCTHW'
    inputs = [torch.rand(1, 3, sampler['clip_len'], h, w) * 255
              for _ in range(2)]
    samples = [ActionDataSample(metainfo=dict(filename=f'{i}.mp4'))
               .set_gt_label(torch.tensor([i])) for i in range(2)]
    losses = model(inputs, samples, mode='loss')
    assert any(k.startswith('distill.') for k in losses)
    assert all(torch.isfinite(v).all() for v in losses.values())
