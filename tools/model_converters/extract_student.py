"""Write the student of a distillation checkpoint as a plain checkpoint.

    python tools/model_converters/extract_student.py \
        work_dirs/fall_mbv3_distill/best_acc_top1_epoch_14.pth student.pth
    python tools/test.py configs/fall_mbv3s_tsm.py student.pth
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.extract_student import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
