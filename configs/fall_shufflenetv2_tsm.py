# ShuffleNetV2 1.0x (torchvision) with TSM: the shift goes before the first
# 1x1 conv of the branch of every stride-1 unit (the other half of the
# channels passes untouched, as a shortcut would).
_base_ = ['./fall_mbv3s_tsm.py']

model = dict(
    backbone=dict(backbone=dict(type='torchvision.shufflenet_v2_x1_0')),
    cls_head=dict(in_channels=1024))
