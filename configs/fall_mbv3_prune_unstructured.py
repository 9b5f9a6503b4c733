# Unstructured magnitude pruning of the TSM student, the honest baseline for
# fall_mbv3_prune.py: at the start of epoch 0 `UnstructuredPruningHook`
# zeroes the 50% smallest conv/linear weights (torch.nn.utils.prune, global
# L1), they stay zero while the student fine-tunes 8 epochs. The tensors keep
# their shapes: the file is as large and dense kernels run as fast as
# before (tools/analysis/compression_report.py --unstructured shows it).
#
#   python tools/train.py configs/fall_mbv3_prune_unstructured.py \
#       --cfg-options load_from=<trained FP32 student>
_base_ = ['./fall_mbv3_prune.py']

custom_hooks = [
    dict(type='PreciseBNHook', num_samples=256),
    dict(type='UnstructuredPruningHook', amount=0.5, prune_at=[0]),
]
