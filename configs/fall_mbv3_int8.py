# INT8 post-training quantization of the TSM student (fall_mbv3s_tsm.py):
#
#   python tools/test.py configs/fall_mbv3_int8.py <fp32 student checkpoint>
#
# tools/test.py loads the FP32 checkpoint; PTQLoop then exports the backbone
# (torch.export, PT2E), calibrates it on real clips of the *val* split
# (through the data preprocessor), converts it to int8 (X86 inductor
# quantizer: int8 per-channel weights, uint8 activations), evaluates the test
# split as usual (AccMetric, ConfusionMatrix) and saves backbone + FP32 head
# as one torch.export program to <work_dir>/int8_model.pt2, which
# `tools/test.py configs/fall_mbv3_int8.py <work_dir>/int8_model.pt2` tests
# again as it is (mmlight's ExportedRecognizer runs it, compiled by inductor:
# oneDNN int8 kernels, faster than FP32; `--cfg-options model.runtime=
# reference` runs its q/dq ops as they are). PTQLoop's own evaluation runs
# the reference ops: the accuracy is the INT8 model's, exactly.
# `test_cfg.mode='dynamic'` quantizes the Linear layers only instead.
_base_ = ['./fall_mbv3s_tsm.py']

test_cfg = dict(
    _delete_=True,
    type='PTQLoop',
    # the runner's val_dataloader config (and any --cfg-options on it)
    calibrate_dataloader='val_dataloader',
    calibrate_steps=32,
    mode='static',
    save_path=None)
