import os.path as osp

import torch
from mmengine.config import Config

from mmlight.models.utils.teacher import load_teacher_logits
from mmlight.registry import MODELS
from mmlight.models.utils.teacher_cache import cache_teacher_logits

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
TEACHER = osp.join(REPO, 'configs', 'fall_slowonly_r18_teacher.py')


def test_cache_has_one_row_per_training_video(synthfall_tiny, tmp_path):
    cfg = Config.fromfile(TEACHER)
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': MODELS.build(cfg.model).state_dict()}, ckpt)
    config = tmp_path / 'teacher.py'
    config.write_text(
        f"_base_ = ['{TEACHER}']\n"
        f"train_dataloader = dict(dataset=dict("
        f"ann_file='{synthfall_tiny}/train.txt', "
        f"data_prefix=dict(video='{synthfall_tiny}')))\n")
    out = str(tmp_path / 'logits.pth')
    n = cache_teacher_logits(str(config), ckpt, out)
    lines = (synthfall_tiny / 'train.txt').read_text().split('\n')
    assert n == len([x for x in lines if x.strip()])
    logits = load_teacher_logits(out)
    assert all(v.shape == (cfg.num_classes, ) for v in logits.values())
    assert all(name.endswith('.mp4') for name in logits)


def test_cfg_options_point_the_teacher_config_at_the_data(
        synthfall_tiny, tmp_path):
    """The data paths come from ``cfg_options`` (as ``make demo`` passes
    them), not from an edited copy of the teacher config."""
    cfg = Config.fromfile(TEACHER)
    ckpt = str(tmp_path / 'teacher.pth')
    torch.save({'state_dict': MODELS.build(cfg.model).state_dict()}, ckpt)
    out = str(tmp_path / 'logits.pth')
    n = cache_teacher_logits(
        TEACHER, ckpt, out, split='val',
        cfg_options={
            'val_dataloader.dataset.ann_file': f'{synthfall_tiny}/val.txt',
            'val_dataloader.dataset.data_prefix.video': str(synthfall_tiny)
        })
    lines = (synthfall_tiny / 'val.txt').read_text().split('\n')
    assert n == len([x for x in lines if x.strip()])
    assert set(load_teacher_logits(out)) == {
        str(synthfall_tiny / x.split()[0]) for x in lines if x.strip()}
