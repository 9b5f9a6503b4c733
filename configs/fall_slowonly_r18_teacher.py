# Quick-profile teacher: a SlowOnly-R18-like 3D ResNet (32 base channels,
# 8.0M params) trained from scratch on SynthFall. It is the teacher the
# README's main job can afford on 2 CPU cores; the full profile uses
# fall_slowfast_r50_teacher.py. Input: 16 frames x 112 x 112 (NCTHW)
# spanning the whole clip.
_base_ = [
    './_base_/default_runtime.py',
    './_base_/datasets/synthfall.py',
    './_base_/schedules/synthfall_adamw_10e.py',
]

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=18,
        base_channels=32,
        pretrained=None,
        lateral=False,
        conv1_kernel=(1, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        # Temporal (3x1x1) kernels in the last two stages, as in SlowOnly.
        inflate=(0, 0, 1, 1),
        norm_eval=False),
    cls_head=dict(
        type='I3DHead',
        in_channels=256,
        num_classes=_base_.num_classes,
        spatial_type='avg',
        dropout_ratio=0.5,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))
