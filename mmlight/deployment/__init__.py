"""Deployment: ONNX export (FP32 and static INT8 QDQ) and ONNX Runtime
evaluation of MMAction2 recognizers; OpenVINO IRs (FP32 and NNCF INT8) and
OpenVINO's CPU runtime.

onnx, onnxruntime, onnxscript, openvino and nncf are imported only when a
function needs them, so importing this package does not require them.
"""
from .onnx_deploy import (build_export_openvino_parser, build_export_parser,
                          build_test_onnx_parser, export_from_config,
                          export_openvino_from_config, format_metrics,
                          format_verify_report, verify_onnx)
from .onnx_export import export_onnx
from .openvino_runtime import (OvRecognizer, convert_to_openvino,
                               quantize_openvino)
from .ort_inference import (OrtRecognizer, compare_outputs, deployed_runner,
                            evaluate_backends, evaluate_onnx, file_size_mb,
                            measure_latency)
from .recognizer import build_recognizer, torch_backend

__all__ = [
    'OrtRecognizer', 'OvRecognizer',
    'build_export_openvino_parser', 'build_export_parser',
    'build_recognizer', 'build_test_onnx_parser', 'compare_outputs', 'convert_to_openvino', 'deployed_runner',
    'evaluate_backends', 'evaluate_onnx', 'export_onnx',
    'export_from_config', 'export_openvino_from_config', 'file_size_mb',
    'format_metrics', 'format_verify_report', 'measure_latency',
    'quantize_openvino', 'torch_backend',
    'verify_onnx'
]
