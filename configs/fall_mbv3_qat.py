# INT8 quantization-aware training (QAT) of the TSM student
# (fall_mbv3s_tsm.py), starting from its FP32 checkpoint:
#
#   python tools/train.py configs/fall_mbv3_qat.py \
#       --cfg-options load_from=<fp32 student checkpoint>
#
# QATEpochBasedLoop exports the backbone (torch.export, PT2E), inserts fake
# quantizers (X86 inductor quantizer: int8 per-channel weights, uint8
# activations), fine-tunes a few epochs at a small learning rate,
# validating the fake-quantized model, then converts it to int8, saves
# backbone + FP32 head to <work_dir>/int8_qat_model.pt2 and evaluates the
# INT8 model on the val set. Epoch checkpoints hold the fake-quantized
# graph's state and cannot be resumed or tested with the FP32 configs; the
# .pt2 file is the result, tested on the test split like any checkpoint:
#   python tools/test.py configs/fall_mbv3_qat.py <work_dir>/int8_qat_model.pt2
# PTQ (configs/fall_mbv3_int8.py) is the cheaper first try.
_base_ = ['./fall_mbv3s_tsm.py']

load_from = 'work_dirs/demo/student_tsm/best.pth'  # trained FP32 student

max_epochs = 3
train_cfg = dict(
    _delete_=True,
    type='QATEpochBasedLoop',
    max_epochs=max_epochs,
    val_begin=1,
    val_interval=1,
    # freeze the quantization ranges for the last epoch
    disable_observer_begin=max_epochs)

# fine-tuning: 1/20 of the FP32 learning rate, no warm-up
optim_wrapper = dict(optimizer=dict(lr=5e-5))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-6,
         by_epoch=True, begin=0, end=max_epochs, convert_to_iter_based=True)
]

# PreciseBN looks for nn.BatchNorm2d modules; the exported graph has none
# (its BatchNorm ops update their statistics while training).
custom_hooks = []
