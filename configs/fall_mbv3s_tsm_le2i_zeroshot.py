# Zero-shot sim-to-real: the SynthFall student
# (fall_mbv3s_tsm_synthfall128.py, 7 actions) tested on the Le2i test
# windows without seeing any real video. The model is fall_mbv3s_tsm_le2i.py's
# with SynthFall's 7-action head; FallMetric's `pred_fall_classes` maps its
# `fall` (index 6) to the fall decision, the windows' labels are fall / no
# fall (top-1 of 7 actions against 2 labels means nothing, so it is not
# reported).
#
#   python tools/test.py configs/fall_mbv3s_tsm_le2i_zeroshot.py \
#       work_dirs/real/synth_student/best.pth
_base_ = ['./fall_mbv3s_tsm_le2i.py']

num_classes = 7  # the model's; the windows' labels stay fall / no fall
model = dict(cls_head=dict(num_classes=num_classes))
test_evaluator = [dict(type='FallMetric', pred_fall_classes=[6])]
