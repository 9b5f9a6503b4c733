# The TSM student (fall_mbv3s_tsm.py) trained on clips of mixed resolution
# and length, each at its own size, batched under a training-memory budget.
#
#   python tools/data/synthfall.py --out data/synthfall_mixed --mixed \
#       --size 64x48 --num-clips 1400 --rooms 1 --workers 2
#   python tools/train.py configs/fall_mbv3s_tsm_mixed.py
#
# SynthFall --mixed films each clip at 0.625-1.25x of 64x48 and 0.75-1.5x of
# 48 frames. Training keeps each clip's own resolution (no crop or resize;
# a batch is padded to its largest clip), and MemoryAwareBatchSampler packs
# up to `batch_size` clips a batch whose estimated training memory stays
# under `max_memory`: clip size (8 frames x height x width x 3, from the
# video headers, cached in clip_sizes.json) times the bytes per element it
# measures by probing this model once before the first epoch. Validation
# and test resize to 64x48 as the other students do.
_base_ = ['./fall_mbv3s_tsm.py']

data_root = 'data/synthfall_mixed'

train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1,
         num_clips=_base_.num_segments),
    dict(type='DecordDecode'),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(
    batch_size=32,
    batch_sampler=dict(
        type='MemoryAwareBatchSampler',
        max_memory='1GB',
        probe_model=_base_.model,
        frames=_base_.num_segments,
        size_cache=f'{data_root}/clip_sizes.json'),
    dataset=dict(
        ann_file=f'{data_root}/train.txt',
        data_prefix=dict(video=data_root),
        pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(ann_file=f'{data_root}/val.txt',
                                   data_prefix=dict(video=data_root)))
test_dataloader = dict(dataset=dict(ann_file=f'{data_root}/test.txt',
                                    data_prefix=dict(video=data_root)))
