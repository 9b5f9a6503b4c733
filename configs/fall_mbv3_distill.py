# The headline recipe: the MobileNetV3-Small TSM student
# (fall_mbv3s_tsm.py) taught by the quick 3D teacher
# (fall_slowonly_r18_teacher.py) with Hinton's KD:
#   loss = alpha * CE(student, y) + (1 - alpha) * T^2 * KL(teacher || student)
# with alpha = 0.5, T = 4. Each network gets its own view of the same
# decoded clip, as it was trained: the training pipeline decodes the span
# both need (the teacher's 16 frames x interval 3 = 48 frames, here the
# whole clip, NCTHW); the teacher takes 16 strided frames of it and the
# student 8 TSN segments (a random frame of each) through its own
# preprocessor. Validation, test and checkpoints are the student's alone;
# `*_student.pth` files load with the plain student config.
#
# Needs a trained teacher: `make teacher` writes work_dirs/demo/teacher/
# best.pth (or pass --cfg-options model.teacher_ckpt=<your checkpoint>).
# The SlowFast-R50 teacher works the same way:
#   model.teacher=mmlight::fall_slowfast_r50_teacher.py plus its pipeline.
_base_ = ['./fall_mbv3s_tsm.py']

teacher_config = 'mmlight::fall_slowonly_r18_teacher.py'
teacher_ckpt = 'work_dirs/demo/teacher/best.pth'
alpha = 0.5

model = dict(
    _delete_=True,
    type='VideoDistill',
    student=_base_.model,
    teacher=teacher_config,
    teacher_ckpt=teacher_ckpt,
    teacher_view=dict(num_frames=_base_.clip_len),
    student_view=dict(num_frames=_base_.num_segments, sampling='random'),
    student_loss_weight=alpha,
    distiller=dict(
        type='mmrazor.ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='mmrazor.ModuleOutputs', source='cls_head')),
        teacher_recorders=dict(
            logits=dict(type='mmrazor.ModuleOutputs', source='cls_head')),
        distill_losses=dict(
            loss_kd=dict(type='KDLoss', tau=4.0, loss_weight=1 - alpha)),
        loss_forward_mappings=dict(
            loss_kd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))

# Training clips: every frame of the teacher's span (NCTHW), from which
# each network takes its view; validation and test keep the student's own
# 8-segment pipelines.
train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=_base_.clip_len * _base_.frame_interval,
         frame_interval=1, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='RandomResizedCrop', area_range=(0.8, 1.0),
         aspect_ratio_range=(0.9, 1.1)),
    dict(type='Resize', scale=_base_.input_size, keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

custom_hooks = [
    dict(type='PreciseBNHook', num_samples=256),
    dict(type='StudentCheckpointHook'),
]
