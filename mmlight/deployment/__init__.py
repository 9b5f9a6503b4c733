"""Deployment: ONNX export (FP32 and static INT8 QDQ) and ONNX Runtime
evaluation of MMAction2 recognizers.

onnx, onnxruntime and onnxscript are imported only when a function needs
them, so importing this package does not require them.
"""
from .onnx_deploy import (build_export_parser, build_test_onnx_parser,
                          export_from_config, format_metrics,
                          format_verify_report, verify_onnx)
from .onnx_export import export_onnx
from .onnx_quantization import (ArrayCalibrationReader, calibration_batches,
                                quantize_onnx_static)
from .ort_inference import (OrtRecognizer, compare_outputs, evaluate_backends,
                            evaluate_onnx, file_size_mb, measure_latency)
from .recognizer import build_recognizer, torch_backend

__all__ = [
    'ArrayCalibrationReader', 'OrtRecognizer', 'build_export_parser',
    'build_recognizer', 'build_test_onnx_parser', 'calibration_batches',
    'compare_outputs', 'evaluate_backends', 'evaluate_onnx', 'export_onnx',
    'export_from_config', 'file_size_mb', 'format_metrics',
    'format_verify_report', 'measure_latency',
    'quantize_onnx_static', 'torch_backend', 'verify_onnx'
]
