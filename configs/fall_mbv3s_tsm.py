# MobileNetV3-Small made a video backbone by mmlight's TemporalAdapter: a
# temporal shift (TSM; 1/8 of the channels one frame back, 1/8 one frame
# forward, zero FLOPs) before the first conv of every residual block. Same
# frames, head and schedule as the frame-averaging baseline it is compared
# with; only the backbone reasons over time.
_base_ = ['./fall_mbv3_baseline.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='TemporalAdapter',
        # `weights=None`: nothing is downloaded; an ImageNet state dict of
        # torchvision's mobilenet_v3_small can be given as
        # `pretrained='<local path>'` (names are mapped by the adapter).
        backbone=dict(type='torchvision.mobilenet_v3_small'),
        num_segments=_base_.num_segments,
        temporal_cfg=dict(type='shift', shift_div=8),
        # channels-last convolutions, and mmlight's weight gradient for 5x5
        # and strided depthwise convs (oneDNN's AVX2 one is 20x slower):
        # the same network, a 1.9x faster training step on 2 AVX2 cores
        channels_last=True))
