# SynthFall pretraining for real video: the TSM student on SynthFall's 7
# actions at the real-data configs' 128x96 (fall_mbv3s_tsm_le2i.py), with
# their flips, colour jitter and class-balanced sampling; its features are
# the ones the Le2i fine-tune starts from (`load_from`: the 2-class head
# starts afresh), and zero-shot its `fall` class is the fall decision
# (fall_mbv3s_tsm_le2i_zeroshot.py).
# The 7 actions, not fall / no fall (`*_binary.txt`, before 2026-12-07): a
# fall and a lie-down end alike, on the floor, so the binary labels carry
# little of the motion the 7 actions tell apart; `make demo`'s 7-action
# student is then a pretraining source of the same form. At `make real`'s
# budget (6 epochs of 1200 clips) neither form has learned SynthFall yet
# (README, Real video: "Sim-to-real").
_base_ = ['./fall_mbv3s_tsm.py']

data_root = 'data/synthfall'
classes = ('walk', 'stand', 'sit_down', 'pick_up', 'crouch', 'lie_down',
           'fall')
num_classes = 7
input_size = (128, 96)  # (W, H)

model = dict(cls_head=dict(num_classes=num_classes))

# crops of 80-100% (fall_mbv3s_tsm.py's), not the Le2i configs' 50-100%:
# a SynthFall person may stand near the frame's edge, and half-frame crops
# left clips without them
_train_pipeline = _base_.train_dataloader.dataset.pipeline
_train_pipeline[4] = dict(type='Resize', scale=input_size, keep_ratio=False)
# hue=0: MMAction2 1.2.0's hue shift overflows uint8 under NumPy 2
_train_pipeline.insert(6, dict(type='ColorJitter', brightness=0.4,
                               contrast=0.4, saturation=0.4, hue=0))
_test_pipeline = _base_.test_dataloader.dataset.pipeline
_test_pipeline[3] = dict(type='Resize', scale=input_size, keep_ratio=False)

train_dataloader = dict(
    sampler=dict(_delete_=True, type='ClassBalancedSampler',
                 num_samples=1200),
    dataset=dict(ann_file=f'{data_root}/train.txt',
                 num_classes=num_classes, pipeline=_train_pipeline))
val_dataloader = dict(dataset=dict(ann_file=f'{data_root}/val.txt',
                                   num_classes=num_classes,
                                   pipeline=_test_pipeline))
test_dataloader = dict(dataset=dict(ann_file=f'{data_root}/test.txt',
                                    num_classes=num_classes,
                                    pipeline=_test_pipeline))
_fall = dict(type='FallMetric', pred_fall_classes=[6], gt_fall_classes=[6])
val_evaluator = [dict(type='AccMetric'), _fall]
test_evaluator = [
    dict(type='AccMetric'), _fall,
    dict(type='ConfusionMatrix', num_classes=num_classes),
]
