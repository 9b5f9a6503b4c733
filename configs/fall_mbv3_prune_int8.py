# INT8 post-training quantization of the pruned TSM student
# (fall_mbv3_prune.py): prune, fine-tune, then quantize.
#
#   python tools/test.py configs/fall_mbv3_prune_int8.py <pruned checkpoint>
#
# The pruning config's ChannelPruningHook reshapes the freshly built student
# to the checkpoint's pruned shapes when tools/test.py loads it; PTQLoop
# (as in fall_mbv3_int8.py) then calibrates on the val split, converts the
# backbone to INT8, tests it and saves <work_dir>/int8_model.pt2.
_base_ = ['./fall_mbv3_prune.py']

load_from = None  # the checkpoint given to tools/test.py
test_cfg = dict(
    _delete_=True,
    type='PTQLoop',
    calibrate_dataloader='val_dataloader',
    calibrate_steps=32,
    mode='static')
