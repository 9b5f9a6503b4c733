# MMAction2's own light 3D baseline: X3D-S (its `_base_/models/x3d.py`:
# gamma_w=1, gamma_b=2.25, gamma_d=2.2, X3DHead) on the teacher's SynthFall
# clips (16 frames, interval 3, 64x48; X3D-S's own 13x6 at 160 px is a
# GPU-class input), 15 epochs. A reference row of tools/benchmark.py.
_base_ = [
    'mmaction::_base_/models/x3d.py',
    './_base_/default_runtime.py',
    './_base_/datasets/synthfall.py',
    './_base_/schedules/synthfall_adamw_10e.py',
]

model = dict(cls_head=dict(num_classes=_base_.num_classes))

max_epochs = 15
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True),
]
