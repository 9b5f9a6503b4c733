# Temporal reasoning in the head instead of the backbone: MobileNetV3-Small
# runs per frame (the TemporalAdapter without temporal layers returns its
# feature maps) and mmlight's Conv2Plus1DHead applies one factorised
# 1x3x3 + 3x1x1 conv block over (T, H, W) before pooling.
_base_ = ['./fall_mbv3s_tsm.py']

model = dict(
    backbone=dict(temporal_cfg=None),
    cls_head=dict(
        _delete_=True,
        type='Conv2Plus1DHead',
        num_classes=_base_.num_classes,
        in_channels=576,
        mid_channels=64,
        dropout_ratio=0.4,
        average_clips='prob'))
