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

train_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=_base_.clip_len * _base_.frame_interval,
         frame_interval=1, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='RandomResizedCrop', area_range=(0.8, 1.0),
         aspect_ratio_range=(0.9, 1.1)),
    dict(type='Resize', scale=teacher_input_size, keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
