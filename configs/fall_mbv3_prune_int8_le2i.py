# Static INT8 (PT2E) of the pruned Le2i student, calibrated on val windows,
# through tools/test.py (as fall_mbv3_prune_int8.py):
#
#   python tools/test.py configs/fall_mbv3_prune_int8_le2i.py \
#       work_dirs/real/pruned/best.pth --work-dir work_dirs/real/int8
_base_ = ['./fall_mbv3_prune_le2i.py']

load_from = None  # the checkpoint given to tools/test.py
test_cfg = dict(
    _delete_=True,
    type='PTQLoop',
    calibrate_dataloader='val_dataloader',
    calibrate_steps=32,
    mode='static')
