# The full profile's distillation (make demo PROFILE=full): the SlowFast-R50
# teacher (fall_slowfast_r50_teacher.py: 24 frames, stride 2, at 128x96)
# teaches the MobileNetV3-Small TSM student (8 TSN segments at 64x48).
#
# Each network sees what it was trained on: the pipeline decodes the clip's
# whole 48-frame span once at the teacher's resolution; the teacher takes 24
# evenly spread frames of it (stride 2), the student 8 random TSN segments
# resized to 64x48 (`student_view`). Feeding SlowFast the student's 64x48
# decode would test it at half the resolution it learned.
#
#   python tools/train.py configs/fall_slowfast_r50_teacher.py \
#       --work-dir work_dirs/pipeline_full/teacher   # a GPU profile
#   python tools/train.py configs/fall_mbv3_distill_slowfast.py \
#       --cfg-options model.teacher_ckpt=<the teacher's best_*.pth>
_base_ = ['./fall_mbv3_distill.py']

teacher_input_size = (128, 96)  # (W, H), as fall_slowfast_r50_teacher.py
teacher_ckpt = 'work_dirs/pipeline_full/teacher/best.pth'

model = dict(
    teacher='mmlight::fall_slowfast_r50_teacher.py',
    teacher_ckpt=teacher_ckpt,
    teacher_view=dict(num_frames=24),
    student_view=dict(num_frames=_base_.num_segments, sampling='random',
                      size=(_base_.input_size[1], _base_.input_size[0])))

# fall_mbv3_distill.py's pipeline (the whole 48-frame span, NCTHW), resized to
# the teacher's resolution instead of the student's
train_pipeline = [
    dict(t, scale=teacher_input_size) if t['type'] == 'Resize' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
