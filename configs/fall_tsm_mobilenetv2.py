# MMAction2's own light baseline: TSM on MobileNetV2 (its
# `_base_/models/tsm_mobilenet_v2.py` model: MobileNetV2TSM backbone with
# the temporal shift in every inverted residual, TSMHead), on the student's
# SynthFall recipe (8 segments, 64x48, 15 epochs). A reference row of
# tools/benchmark.py; `pretrained=None`: nothing is downloaded (MMAction2's
# config loads ImageNet weights from the network).
_base_ = ['./fall_mbv3_baseline.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='MobileNetV2TSM',
        shift_div=8,
        num_segments=_base_.num_segments,
        is_shift=True,
        pretrained=None),
    cls_head=dict(
        _delete_=True,
        type='TSMHead',
        num_segments=_base_.num_segments,
        num_classes=_base_.num_classes,
        in_channels=1280,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.5,
        init_std=0.001,
        is_shift=True,
        average_clips='prob'))
