"""Test an ONNX recognizer with ONNX Runtime (an OpenVINO .xml with
OpenVINO), as tools/test.py tests a checkpoint.

    python tools/deployment/test_onnx.py configs/fall_mbv3s_tsm.py \
        student_int8.onnx --dump preds.pkl
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.test_onnx import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
