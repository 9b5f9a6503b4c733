# SynthFall pretraining for real video: the TSM student on SynthFall's fall
# / no-fall labels (`*_binary.txt`) at the real-data configs' 128x96
# (fall_mbv3s_tsm_le2i.py), with their augmentation (crops of 50-100% of
# the frame, flips, colour jitter) and class-balanced sampling, so its
# output is the Le2i models' (zero-shot: tested on Le2i as it is) and its
# features are the ones the Le2i fine-tune starts from (`load_from`).
_base_ = ['./fall_mbv3s_tsm.py']

data_root = 'data/synthfall'
classes = ('no_fall', 'fall')
num_classes = 2
input_size = (128, 96)  # (W, H)

model = dict(cls_head=dict(num_classes=num_classes))

_train_pipeline = _base_.train_dataloader.dataset.pipeline
_train_pipeline[3] = dict(type='RandomResizedCrop', area_range=(0.5, 1.0),
                          aspect_ratio_range=(0.8, 1.25))
_train_pipeline[4] = dict(type='Resize', scale=input_size, keep_ratio=False)
# hue=0: MMAction2 1.2.0's hue shift overflows uint8 under NumPy 2
_train_pipeline.insert(6, dict(type='ColorJitter', brightness=0.4,
                               contrast=0.4, saturation=0.4, hue=0))
_test_pipeline = _base_.test_dataloader.dataset.pipeline
_test_pipeline[3] = dict(type='Resize', scale=input_size, keep_ratio=False)

train_dataloader = dict(
    sampler=dict(_delete_=True, type='ClassBalancedSampler',
                 num_samples=1200),
    dataset=dict(ann_file=f'{data_root}/train_binary.txt',
                 num_classes=num_classes, pipeline=_train_pipeline))
val_dataloader = dict(dataset=dict(ann_file=f'{data_root}/val_binary.txt',
                                   num_classes=num_classes,
                                   pipeline=_test_pipeline))
test_dataloader = dict(dataset=dict(ann_file=f'{data_root}/test_binary.txt',
                                    num_classes=num_classes,
                                    pipeline=_test_pipeline))
test_evaluator = [
    dict(type='AccMetric'),
    dict(type='FallMetric'),
    dict(type='ConfusionMatrix', num_classes=num_classes),
]
