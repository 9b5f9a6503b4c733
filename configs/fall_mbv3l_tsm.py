# MobileNetV3-Large with TSM in every residual block (5.4M params with its
# 960-channel last layer; ~4x the FLOPs of the Small version).
_base_ = ['./fall_mbv3s_tsm.py']

model = dict(
    backbone=dict(backbone=dict(type='torchvision.mobilenet_v3_large')),
    cls_head=dict(in_channels=960))
