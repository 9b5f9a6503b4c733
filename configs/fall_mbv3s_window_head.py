# Per-frame MobileNetV3-Small features and mmlight's
# WindowTemporalAttentionHead: attention inside windows of 4 frames, shifted
# by 2 in the second layer, so cost grows linearly with clip length.
_base_ = ['./fall_mbv3s_c2plus1d_head.py']

model = dict(
    cls_head=dict(
        _delete_=True,
        type='WindowTemporalAttentionHead',
        num_classes=_base_.num_classes,
        in_channels=576,
        embed_dims=128,
        num_heads=4,
        window_size=4,
        num_layers=2,
        shift=True,
        dropout_ratio=0.4,
        average_clips='prob'))
