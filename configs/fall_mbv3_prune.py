# The TSM student (fall_mbv3s_tsm.py) made smaller by structured channel
# pruning, then fine-tuned: at the start of epoch 0 `ChannelPruningHook`
# removes 40% of the channels of every prunable group (group-L2 magnitude,
# a multiple of 8 kept per group) and the narrower dense network trains 8
# epochs at half the student's learning rate. Left whole: the residual stream
# that TSM shifts (fixed channel folds), the classifier; what is pruned is
# the expanded channels of every block (1x1 convs, depthwise convs,
# squeeze-excitation) and the last conv. FLOPs per 8-frame 48x64 clip drop
# 46.7% (34.7M -> 18.5M), params 54% (0.93M -> 0.43M); the log of the
# pruning epoch lists every narrowed and every skipped layer.
#
# Starts from the trained FP32 student: `student_ckpt` below, or
#   --cfg-options load_from=<your student checkpoint>
# Checkpoints of this run carry the pruned shapes in their meta; test them
# with this config (the hook reshapes the model before loading):
#   python tools/test.py configs/fall_mbv3_prune.py <work_dir>/best_*.pth
_base_ = ['./fall_mbv3s_tsm.py', './_base_/pruning_40.py']

student_ckpt = 'work_dirs/demo/student_tsm/best.pth'  # trained FP32 student
load_from = student_ckpt

custom_hooks = [
    dict(type='PreciseBNHook', num_samples=256),
    _base_.channel_pruning_hook,
]

# Fine-tuning: no warm-up, cosine from half the student's learning rate.
max_epochs = 8
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True),
]
