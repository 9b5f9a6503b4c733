# The TSM student (fall_mbv3s_tsm.py) on UR Fall Detection, camera 0 (30
# falls, 40 activities of daily living, 640x480 at 30 fps), fall / no fall:
#
#   python tools/data/convert_fall_dataset.py urfall <UR Fall download> \
#       --out data/urfall
#   python tools/train.py configs/fall_mbv3s_tsm_urfall.py
#
# The SynthFall recipe (frames, schedule, Precise BN) at 160x120, the
# smallest size at which a person across a real room keeps a few pixels.
# Splits are by sequence; UR Fall is small, so expect noisy figures.
_base_ = ['./fall_mbv3s_tsm.py']

data_root = 'data/urfall'
classes = ('no_fall', 'fall')
num_classes = 2
input_size = (160, 120)  # (W, H)

model = dict(cls_head=dict(num_classes=num_classes))

_train_pipeline = _base_.train_dataloader.dataset.pipeline
_train_pipeline[4] = dict(type='Resize', scale=input_size, keep_ratio=False)
_test_pipeline = _base_.test_dataloader.dataset.pipeline
_test_pipeline[3] = dict(type='Resize', scale=input_size, keep_ratio=False)

train_dataloader = dict(dataset=dict(
    ann_file=f'{data_root}/train.txt', data_prefix=dict(video=data_root),
    num_classes=num_classes, pipeline=_train_pipeline))
val_dataloader = dict(dataset=dict(
    ann_file=f'{data_root}/val.txt', data_prefix=dict(video=data_root),
    num_classes=num_classes, pipeline=_test_pipeline))
test_dataloader = dict(dataset=dict(
    ann_file=f'{data_root}/test.txt', data_prefix=dict(video=data_root),
    num_classes=num_classes, pipeline=_test_pipeline))
test_evaluator = [
    dict(type='AccMetric'),
    dict(type='ConfusionMatrix', num_classes=num_classes),
]
