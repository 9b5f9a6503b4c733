# Full-profile teacher: MMAction2's SlowFast-R50 (the "big" model of the
# headline, 34M params) trained from scratch on SynthFall; give a local
# Kinetics checkpoint with `load_from=...` (or --cfg-options load_from=...)
# to fine-tune instead. Meant for a GPU; on CPU use the quick teacher
# fall_slowonly_r18_teacher.py.
# Sampling: 24 frames, every 2nd (the whole 48-frame clip); the slow pathway
# sees 3 of them (tau=8), the fast pathway all 24 (alpha=8).
_base_ = [
    'mmaction::_base_/models/slowfast_r50.py',
    './_base_/default_runtime.py',
    './_base_/datasets/synthfall.py',
    './_base_/schedules/synthfall_adamw_10e.py',
]

clip_len = 24
frame_interval = 2

model = dict(cls_head=dict(num_classes=_base_.num_classes))

input_size = (128, 96)  # (W, H): a GPU profile, twice the quick one

_train_pipeline = _base_.train_pipeline
_train_pipeline[1] = dict(
    type='SampleFrames', clip_len=clip_len, frame_interval=frame_interval,
    num_clips=1)
_train_pipeline[4] = dict(type='Resize', scale=input_size, keep_ratio=False)
_test_pipeline = _base_.test_pipeline
_test_pipeline[1] = dict(
    type='SampleFrames', clip_len=clip_len, frame_interval=frame_interval,
    num_clips=1, test_mode=True)
_test_pipeline[3] = dict(type='Resize', scale=input_size, keep_ratio=False)

train_dataloader = dict(dataset=dict(pipeline=_train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_test_pipeline))

# 34M params from scratch: a lower learning rate and more epochs.
optim_wrapper = dict(optimizer=dict(lr=5e-4))
