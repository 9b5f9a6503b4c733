# Per-frame MobileNetV3-Small features and mmlight's AxialAttentionHead:
# self-attention along time at each position, then along space in each
# frame, with learned positional tables (any T, any H x W).
_base_ = ['./fall_mbv3s_c2plus1d_head.py']

model = dict(
    cls_head=dict(
        _delete_=True,
        type='AxialAttentionHead',
        num_classes=_base_.num_classes,
        in_channels=576,
        embed_dims=128,
        num_heads=4,
        num_layers=1,
        dropout_ratio=0.4,
        average_clips='prob'))
