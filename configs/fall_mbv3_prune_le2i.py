# The distilled Le2i student (fall_mbv3_distill_le2i.py's student
# checkpoint) with 40% of its channels pruned (torch-pruning, as
# fall_mbv3_prune.py) and fine-tuned on the Le2i windows.
_base_ = ['./fall_mbv3s_tsm_le2i.py', './_base_/pruning_40.py']

load_from = 'work_dirs/real/distill/student.pth'

custom_hooks = [
    dict(type='PreciseBNHook', num_samples=256),
    _base_.channel_pruning_hook,
]

max_epochs = 4
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(optimizer=dict(lr=5e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True),
]
