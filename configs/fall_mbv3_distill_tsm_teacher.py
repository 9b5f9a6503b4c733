# fall_mbv3_distill.py with a 2D/TSM teacher: ShuffleNetV2-TSM
# (fall_shufflenetv2_tsm.py, 1.26M params, 91.4 top-1 on the demo split)
# teaches the MobileNetV3-Small TSM student. Both are NCHW with 8 segments,
# so the teacher sees exactly the student's frames (teacher_view='student',
# a random frame of each segment in training).
#
# Needs the teacher trained first, e.g.
#   python tools/train.py configs/fall_shufflenetv2_tsm.py \
#       --work-dir work_dirs/demo/shufflenetv2_tsm
# then --cfg-options model.teacher_ckpt=<its best_*.pth>.
_base_ = ['./fall_mbv3_distill.py']

model = dict(
    teacher='mmlight::fall_shufflenetv2_tsm.py',
    teacher_ckpt='work_dirs/demo/shufflenetv2_tsm/best.pth',
    teacher_view='student')
