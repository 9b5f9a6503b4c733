# SynthFall, the procedural fall-detection data that mmlight generates:
#   python tools/data/synthfall.py --out data/synthfall --num-clips 600
# Videos are 160x120, 48 frames at 15 fps (3.2 s); labels are the 7 actions
# below (`*_binary.txt` holds the fall / no-fall labels of the same clips).
# Pipelines are CPU-friendly: one clip per video, the whole frame resized to
# 64x48 (W x H), the quick profile a 2-core CPU trains in minutes (GPU
# configs such as the SlowFast teacher use 128x96). Crops would often cut off
# the person, who walks anywhere in the room; a mild random-resized crop and
# flips are the augmentation.
dataset_type = 'CheckedVideoDataset'
data_root = 'data/synthfall'
ann_file_train = f'{data_root}/train.txt'
ann_file_val = f'{data_root}/val.txt'
ann_file_test = f'{data_root}/test.txt'
classes = ('walk', 'stand', 'sit_down', 'pick_up', 'crouch', 'lie_down',
           'fall')
num_classes = len(classes)

# 3D (NCTHW) sampling: 16 frames, every 3rd, so one clip spans the whole
# 48-frame video and the model sees how the person got where they are.
input_size = (64, 48)  # (W, H)
clip_len = 16
frame_interval = 3
num_segments = 1

train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=num_segments),
    dict(type='DecordDecode'),
    dict(type='RandomResizedCrop', area_range=(0.8, 1.0),
         aspect_ratio_range=(0.9, 1.1)),
    dict(type='Resize', scale=input_size, keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
val_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=clip_len,
         frame_interval=frame_interval, num_clips=num_segments,
         test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=input_size, keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
test_pipeline = val_pipeline

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_train,
        data_prefix=dict(video=data_root),
        num_classes=num_classes,
        # One corrupt clip warns and is replaced instead of ending an epoch.
        skip_unreadable=True,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_val,
        data_prefix=dict(video=data_root),
        num_classes=num_classes,
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        ann_file=ann_file_test,
        data_prefix=dict(video=data_root),
        num_classes=num_classes,
        pipeline=test_pipeline,
        test_mode=True))

val_evaluator = dict(type='AccMetric')
test_evaluator = [
    dict(type='AccMetric'),
    dict(type='ConfusionMatrix', num_classes=num_classes),
]
