# Online (causal) TSM on MobileNetV3-Small: the shift brings 1/8 of the
# channels from the previous frame only, so a frame's features never depend
# on later frames and a camera stream can be processed frame by frame with a
# one-frame cache per block (Lin et al., TSM, online variant).
_base_ = ['./fall_mbv3s_tsm.py']

model = dict(backbone=dict(temporal_cfg=dict(causal=True)))
