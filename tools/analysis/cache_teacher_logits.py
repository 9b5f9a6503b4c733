"""Run a teacher once over a dataset and save its logits per video.

    python tools/analysis/cache_teacher_logits.py \
        configs/fall_slowonly_r18_teacher.py work_dirs/demo/teacher/best.pth \
        --out work_dirs/demo/teacher/train_logits.pth [--split train]

`VideoDistill(teacher_logits=...)` then never runs the teacher. The teacher
sees its deterministic test view of each clip (the config's test pipeline
applied to the chosen split's annotation file).
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.cache_teacher_logits import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
