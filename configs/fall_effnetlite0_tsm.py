# EfficientNet-Lite0 (timm; no SE, ReLU6: the quantisation-friendly
# EfficientNet for edge TPUs/NPUs) with TSM in every residual block.
# timm builds it with `pretrained=False`; a timm state dict loads with the
# adapter's `pretrained='<local path>'`.
_base_ = ['./fall_mbv3s_tsm.py']

model = dict(
    backbone=dict(backbone=dict(type='timm.efficientnet_lite0')),
    cls_head=dict(in_channels=1280))
