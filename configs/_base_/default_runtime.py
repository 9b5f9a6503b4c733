# mmlight runtime: MMAction2's, with mmlight as the default scope so that
# mmlight's components (and MMAction2's, through the parent registries)
# resolve without a prefix.
_base_ = ['mmaction::_base_/default_runtime.py']

default_scope = 'mmlight'
custom_imports = dict(imports=['mmlight'], allow_failed_imports=False)

# Evaluate and save with BatchNorm statistics of the final weights: short
# from-scratch schedules otherwise evaluate with stale running averages.
custom_hooks = [dict(type='PreciseBNHook', num_samples=256)]

# random_state: checkpoints hold the generator states, so a killed and
# resumed run repeats the uninterrupted one (bitwise with --deterministic);
# resume_schedule: `--resume --epochs N` follows the N-epoch schedule;
# best_link: best.pth links to the best_<metric>_epoch_<n>.pth;
# worker_priority: on the CPU, the decoding workers at nice +19, so that
# they do not take the cores from the training threads.
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10, ignore_last=False),
    checkpoint=dict(
        type='CheckpointHook', interval=1, save_best='auto',
        max_keep_ckpts=2),
    random_state=dict(type='RandomStateHook'),
    resume_schedule=dict(type='ResumeScheduleHook'),
    best_link=dict(type='BestCheckpointLinkHook'),
    worker_priority=dict(type='WorkerPriorityHook'))

# CPU-friendly: no fork bomb of OpenCV threads inside dataloader workers.
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

randomness = dict(seed=0, deterministic=False)
