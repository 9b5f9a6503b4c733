"""Distillation end to end with the standard tools on tiny SynthFall: a
teacher checkpoint, `tools/train.py configs/fall_mbv3_distill.py` with the
schedule and stop hooks, then the student-only checkpoint tested with the
plain student config."""
import glob
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config

from mmlight.registry import MODELS

from test_train_resume_test import REPO, data_options, run, train

pytestmark = pytest.mark.slow


def test_distill_then_test_the_student(synthfall_tiny, tmp_path):
    teacher = MODELS.build(
        Config.fromfile(osp.join(REPO, 'configs',
                                 'fall_slowonly_r18_teacher.py')).model)
    ckpt = tmp_path / 'teacher.pth'
    torch.save({'meta': {}, 'state_dict': teacher.state_dict()}, ckpt)
    cfg = tmp_path / 'distill.py'
    cfg.write_text(
        f"_base_ = ['{REPO}/configs/fall_mbv3_distill.py']\n"
        f"model = dict(teacher_ckpt='{ckpt}')\n"
        "custom_hooks = [\n"
        "    dict(type='PreciseBNHook', num_samples=8),\n"
        "    dict(type='DistillScheduleHook', scale=(1.0, 0.5),"
        " tau=(4.0, 2.0)),\n"
        "    dict(type='mmrazor.StopDistillHook', stop_epoch=1),\n"
        "    dict(type='StudentCheckpointHook')]\n")
    work = tmp_path / 'work'
    log = train(tmp_path, work, config=str(cfg), root=synthfall_tiny,
                epochs=2)
    assert 'distill.loss_kd' in log
    assert 'Distillation has been stopped!' in log
    students = glob.glob(str(work / '*_student.pth'))
    assert students, log[-3000:]
    state = torch.load(students[0], weights_only=True)['state_dict']
    assert not any(k.startswith(('student.', 'distiller.')) for k in state)

    log = run([
        sys.executable, osp.join(REPO, 'tools', 'test.py'),
        osp.join(REPO, 'configs', 'fall_mbv3s_tsm.py'), students[0],
        '--work-dir', str(tmp_path / 'test'), '--cfg-options',
        *data_options(synthfall_tiny)
    ], tmp_path)
    assert 'acc/top1' in log
