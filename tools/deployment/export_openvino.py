"""Export a checkpoint to OpenVINO (FP32 IR and NNCF INT8 IR) and check it.

    python tools/deployment/export_openvino.py configs/fall_mbv3_prune.py \
        work_dirs/.../best.pth --out student_int8.xml \
        --calib-batches 16 --verify --latency

Writes ``student_int8.xml/.bin`` (INT8), ``student_int8_fp32.xml/.bin``
(FP32 IR) and ``student_int8_fp32.onnx`` (the FP32 ONNX they come from).
Test an IR as an ONNX file: ``tools/deployment/test_onnx.py CONFIG X.xml``.
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.export_openvino import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
