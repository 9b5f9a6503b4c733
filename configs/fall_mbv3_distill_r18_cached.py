# fall_mbv3_distill_r18.py with the teacher run once instead of every step:
# `tools/analysis/cache_teacher_logits.py` writes the ResNet-18 TSM
# teacher's logits of every training clip (its deterministic test view: the
# 8 centre frames) and KD reads them by file name, so an epoch costs the
# student's step alone.
#
#   python tools/analysis/cache_teacher_logits.py \
#       configs/fall_resnet18_tsm_teacher.py <teacher best.pth> \
#       --out <dir>/teacher_logits.pth [--cfg-options <data paths>]
#   python tools/train.py configs/fall_mbv3_distill_r18_cached.py \
#       --cfg-options model.teacher_ckpt=<teacher best.pth> \
#       model.teacher_logits=<dir>/teacher_logits.pth
_base_ = ['./fall_mbv3_distill_r18.py']

model = dict(teacher_logits='work_dirs/pipeline_cpu/distill/teacher_logits.pth')

_train_pipeline = _base_.train_pipeline
_train_pipeline[-1] = dict(
    type='PackActionInputs',
    meta_keys=('img_shape', 'img_key', 'video_id', 'timestamp', 'filename'))
train_dataloader = dict(dataset=dict(pipeline=_train_pipeline))
