# Quick-profile teacher: a SlowOnly-R18-like 3D ResNet (16 base channels,
# 2.0M params, ~30x the student's FLOPs) trained from scratch on SynthFall.
# It is the teacher the README's main job can afford on 2 CPU cores (25
# epochs of 1400-clip SynthFall in ~8 min); the full profile uses
# fall_slowfast_r50_teacher.py. Input: 16 frames x 48 x 64 (NCTHW) spanning
# the whole clip, so it sees how the person got to the floor.
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
        base_channels=16,
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
        in_channels=128,
        num_classes=_base_.num_classes,
        spatial_type='avg',
        dropout_ratio=0.5,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))

max_epochs = 25
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True),
]
