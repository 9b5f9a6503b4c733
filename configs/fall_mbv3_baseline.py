# The light student trained alone: torchvision's MobileNetV3-Small (0.93M
# params) through MMAction2's `torchvision.` backbone route, TSN-style:
# 8 frames, one from each eighth of the clip, classified one by one and
# averaged. It has no temporal modelling, so it can only tell a fall from
# lying down slowly by which poses the frames happen to catch.
_base_ = [
    './_base_/default_runtime.py',
    './_base_/datasets/synthfall.py',
    './_base_/schedules/synthfall_adamw_10e.py',
]

num_segments = 8

model = dict(
    type='Recognizer2D',
    # `weights=None`: nothing is downloaded. A local ImageNet checkpoint can
    # be loaded with `load_from` (keys under `backbone.`).
    backbone=dict(type='torchvision.mobilenet_v3_small', weights=None),
    cls_head=dict(
        type='TSNHead',
        num_classes=_base_.num_classes,
        in_channels=576,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.4,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCHW'))

_train_pipeline = _base_.train_pipeline
_train_pipeline[1] = dict(
    type='SampleFrames', clip_len=1, frame_interval=1,
    num_clips=num_segments)
_train_pipeline[-2] = dict(type='FormatShape', input_format='NCHW')
_test_pipeline = _base_.test_pipeline
_test_pipeline[1] = dict(
    type='SampleFrames', clip_len=1, frame_interval=1,
    num_clips=num_segments, test_mode=True)
_test_pipeline[-2] = dict(type='FormatShape', input_format='NCHW')

train_dataloader = dict(dataset=dict(pipeline=_train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_test_pipeline))

max_epochs = 15
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True),
]
