# The teacher on real video: ShuffleNetV2-TSM (fall_shufflenetv2_tsm.py,
# 1.26 M params) with the Le2i data and recipe of fall_mbv3s_tsm_le2i.py,
# trained on Le2i alone, 10 epochs.
_base_ = ['./fall_mbv3s_tsm_le2i.py']

model = dict(
    backbone=dict(backbone=dict(type='torchvision.shufflenet_v2_x1_0')),
    cls_head=dict(in_channels=1024))

max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True),
]
