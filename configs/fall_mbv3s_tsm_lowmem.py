# fall_mbv3s_tsm_mixed.py with every memory saver on: mixed precision
# (mmlight's AmpOptimWrapper: fp16 with loss scaling on a GPU, bfloat16 on
# the CPU; the classifier `cls_head.fc_cls` stays in float32) and gradient
# checkpointing of every block of the backbone (TemporalAdapter `with_cp`:
# activations are recomputed in the backward, BatchNorm statistics stay
# exact), batched by MemoryAwareBatchSampler under the same budget, which
# probes the model as it trains (checkpointed, autocast).
_base_ = ['./fall_mbv3s_tsm_mixed.py']

model = dict(backbone=dict(with_cp=True))
optim_wrapper = dict(type='AmpOptimWrapper')
train_dataloader = dict(
    batch_sampler=dict(
        probe_model=dict(backbone=dict(with_cp=True)),
        probe_dtype='auto'))
