# Zero-shot sim-to-real: the SynthFall fall / no-fall student
# (fall_mbv3s_tsm_synthfall128.py) tested on the Le2i test windows without
# seeing any real video. The model is fall_mbv3s_tsm_le2i.py's; FallMetric's
# `pred_fall_classes` maps another class list (e.g. a 7-action model's
# `fall`, index 6) to the fall decision where needed.
#
#   python tools/test.py configs/fall_mbv3s_tsm_le2i_zeroshot.py \
#       work_dirs/real/synth_student/best.pth
_base_ = ['./fall_mbv3s_tsm_le2i.py']

test_evaluator = [dict(type='AccMetric'), dict(type='FallMetric')]
