# The shipped structured pruning step, shared by the pruning configs
# (fall_mbv3_prune.py, fall_mbv3_prune_le2i.py, fall_mbv3_distill_r18_prune.py):
# at the start of epoch 0, 40% of the channels of every prunable group
# (group-L2 magnitude, a multiple of 8 kept per group). A config takes it
# into its own hooks: custom_hooks = [..., _base_.channel_pruning_hook].
channel_pruning_hook = dict(
    type='ChannelPruningHook',
    pruner=dict(
        importance='magnitude',
        pruning_ratio=0.4,
        global_pruning=False,
        round_to=8),
    prune_at=[0])
