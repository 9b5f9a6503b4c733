# The distilled student (fall_mbv3_distill_r18.py) pruned as
# fall_mbv3_prune.py prunes it (40% of the channels of every prunable group,
# group-L2 magnitude, a multiple of 8 kept, at the start of epoch 0), but
# fine-tuned under the same ResNet-18 TSM teacher with the same KD loss
# instead of on labels alone: the teacher's soft targets guide the narrower
# network back, where fine-tuning on labels alone lost about 3 points of
# 7-class top-1 in `make demo`.
#
# Starts from the distilled student (a student-only checkpoint):
#   --cfg-options model.student_ckpt=<distill>/best_*_student.pth \
#       model.teacher_ckpt=<teacher>/best.pth
# The `*_student.pth` files this run writes carry the pruned shapes relative
# to the plain student, so they load with fall_mbv3_prune.py (tools/test.py,
# the INT8 configs, export and benchmark tools reshape before loading).
_base_ = ['./fall_mbv3_distill_r18.py', './_base_/pruning_40.py']

model = dict(student_ckpt='work_dirs/pipeline_cpu/distill/student.pth')

custom_hooks = [
    dict(type='PreciseBNHook', num_samples=256),
    _base_.channel_pruning_hook,
    dict(type='StudentCheckpointHook'),
]

# Fine-tuning as fall_mbv3_prune.py: no warm-up, cosine from half the
# student's learning rate.
max_epochs = 8
train_cfg = dict(max_epochs=max_epochs, val_begin=1)  # every epoch
optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True),
]
