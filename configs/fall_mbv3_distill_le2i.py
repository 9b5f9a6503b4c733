# The student distilled on real video: the TSM student of
# fall_mbv3s_tsm_le2i.py, starting from the SynthFall-pretrained student
# fine-tuned on Le2i (`student_ckpt`), taught by the Le2i teacher (fall_shufflenetv2_tsm_le2i.py)
# on the same 8 frames (teacher_view='student'): KD, alpha 0.5, T 4, as
# fall_mbv3_distill_tsm_teacher.py on SynthFall.
#
#   python tools/train.py configs/fall_mbv3_distill_le2i.py \
#       --cfg-options model.teacher_ckpt=work_dirs/real/teacher/best.pth \
#       model.student_ckpt=work_dirs/real/finetune/best.pth
_base_ = ['./fall_mbv3s_tsm_le2i.py']

alpha = 0.5
model = dict(
    _delete_=True,
    type='VideoDistill',
    student=_base_.model,
    student_ckpt='work_dirs/real/finetune/best.pth',
    teacher='mmlight::fall_shufflenetv2_tsm_le2i.py',
    teacher_ckpt='work_dirs/real/teacher/best.pth',
    teacher_view='student',
    student_view=dict(num_frames=_base_.num_segments),
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

# The algorithm takes NCTHW clips and cuts each network's view: here the
# 8 TSN frames themselves (a random frame of each 6-frame segment,
# `temporal_jitter`), so both networks see what the student trains on.
train_pipeline = _base_.train_pipeline
train_pipeline[1] = dict(
    type='SampleFrames', clip_len=_base_.num_segments,
    frame_interval=_base_.window_frames // _base_.num_segments, num_clips=1,
    temporal_jitter=True)
train_pipeline[-2] = dict(type='FormatShape', input_format='NCTHW')
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

custom_hooks = [
    dict(type='PreciseBNHook', num_samples=256),
    dict(type='StudentCheckpointHook'),
]
