# The TSM student (fall_mbv3s_tsm.py) on real video: the Le2i / ImViA fall
# dataset (4 rooms, 320x240 at 25 fps), fall / no fall, trained on windows
# cut from the videos (`make real` runs the whole pipeline):
#
#   python tools/data/convert_fall_dataset.py le2i ../shared/realdata/le2i \
#       --out data/le2i --frame-cache 160 120
#   python tools/train.py configs/fall_mbv3s_tsm_le2i.py
#
# A window is 48 frames (1.9 s); the model takes 8 of them (TSN segments) at
# 128x96, where a person across a 320x240 room is still 30-50 px tall.
# Frames come from the converter's decoded-frame cache (160x120, so crops
# have room); `frame_cache=None` decodes the videos instead. Training draws
# fall and no-fall windows equally often (ClassBalancedSampler, 1200 a
# epoch). Augmentation aims at other cameras, not at Le2i's four rooms:
# crops of 50-100% of the frame (distance, framing), flips, colour jitter
# (lighting, white balance).
_base_ = ['./fall_mbv3s_tsm.py']

data_root = 'data/le2i'
frame_cache = f'{data_root}/frames'
classes = ('no_fall', 'fall')
num_classes = 2
input_size = (128, 96)  # (W, H)
num_segments = 8
window_frames = 48

model = dict(cls_head=dict(num_classes=num_classes))

train_pipeline = [
    dict(type='CachedFrameInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1,
         num_clips=num_segments),
    dict(type='CachedFrameDecode'),
    dict(type='RandomResizedCrop', area_range=(0.5, 1.0),
         aspect_ratio_range=(0.8, 1.25)),
    dict(type='Resize', scale=input_size, keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    # hue=0: MMAction2 1.2.0's hue shift overflows uint8 under NumPy 2
    dict(type='ColorJitter', brightness=0.4, contrast=0.4, saturation=0.4,
         hue=0),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs'),
]
test_pipeline = [
    dict(type='CachedFrameInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1,
         num_clips=num_segments, test_mode=True),
    dict(type='CachedFrameDecode'),
    dict(type='Resize', scale=input_size, keep_ratio=False),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs'),
]
val_pipeline = test_pipeline

_dataset = dict(type='VideoWindowDataset', data_prefix=dict(video=data_root),
                frame_cache=frame_cache, num_classes=num_classes)
_loader = dict(_delete_=True, batch_size=8, num_workers=2,
               persistent_workers=True)
_eval_sampler = dict(type='DefaultSampler', shuffle=False)
train_dataloader = dict(
    sampler=dict(type='ClassBalancedSampler', num_samples=1200),
    dataset=dict(ann_file=f'{data_root}/train.txt', skip_unreadable=True,
                 pipeline=train_pipeline, **_dataset),
    **_loader)
val_dataloader = dict(
    sampler=_eval_sampler,
    dataset=dict(ann_file=f'{data_root}/val.txt', pipeline=val_pipeline,
                 test_mode=True, **_dataset),
    **_loader)
test_dataloader = dict(
    sampler=_eval_sampler,
    dataset=dict(ann_file=f'{data_root}/test.txt', pipeline=test_pipeline,
                 test_mode=True, **_dataset),
    **_loader)
test_evaluator = [
    dict(type='AccMetric'),
    dict(type='FallMetric'),
    dict(type='ConfusionMatrix', num_classes=num_classes),
]

max_epochs = 8
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True),
]
