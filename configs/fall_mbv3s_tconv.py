# MobileNetV3-Small as a (2+1)D network: a depthwise 3x1x1 temporal conv
# right after the depthwise spatial conv of every block, initialised as the
# identity so a pretrained 2D network starts unchanged. Costs ~3 MACs per
# activation of those layers, unlike the free shift of fall_mbv3s_tsm.py.
_base_ = ['./fall_mbv3s_tsm.py']

model = dict(
    backbone=dict(temporal_cfg=dict(_delete_=True, type='conv',
                                    kernel_size=3)))
