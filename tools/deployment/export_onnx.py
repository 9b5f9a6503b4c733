"""Export a checkpoint to ONNX, optionally INT8, and check it.

    python tools/deployment/export_onnx.py configs/fall_mbv3s_tsm.py \
        work_dirs/.../best.pth --out student.onnx \
        --int8 student_int8.onnx --calib-batches 16 --verify
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.export_onnx import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
