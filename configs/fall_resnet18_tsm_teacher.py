# The cpu profile's big teacher: ResNet-18 (torchvision, 11.2M params,
# 42.7 MB of weights, 12x the MobileNetV3-Small student's) with TSM, the
# student's 8 TSN segments at 64x48. The largest network that trains to
# convergence in the demo's budget on 2 CPU cores (57 s an epoch of 980
# clips): ResNets learn from the first epoch where MobileNetV3 from scratch
# waits 3-4. The student's schedule (15 epochs); make demo trains it 8
# (--epochs 8). On the 1400-clip demo split's test clips: 8 epochs 93.3%
# top-1, 100% fall / no fall; 10 epochs 95.2% and 99.5% (one run each,
# 2026-12-03). SlowFast-R50 (fall_slowfast_r50_teacher.py) is
# the GPU profile's teacher. Being NCHW with the student's segments, it
# teaches the student on exactly its frames (fall_mbv3_distill_r18.py).
_base_ = ['./fall_mbv3s_tsm.py']

model = dict(
    backbone=dict(backbone=dict(type='torchvision.resnet18')),
    cls_head=dict(in_channels=512))

# Validation on the last half only: the best epoch of a cosine schedule is
# a late one (8 of 8 in make demo), and each skipped validation saves 5 s of
# 60 on 2 cores. --epochs 8 moves it to epoch 5 (tools/train.py scales
# val_begin with the run). Precise BN still runs after every epoch
# (interval=1): it draws its clips from the training loader, so where it
# runs is part of the run's random draws, and every epoch keeps those of the
# runs measured (README: its validated epochs match them to the digit).
train_cfg = dict(val_begin=8)
custom_hooks = [dict(type='PreciseBNHook', num_samples=256, interval=1)]

