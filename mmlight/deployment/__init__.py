"""Deployment: ONNX export (FP32 and static INT8 QDQ) and ONNX Runtime
evaluation of MMAction2 recognizers; OpenVINO IRs (FP32 and NNCF INT8) and
OpenVINO's CPU runtime. Library functions only: the command lines are in
:mod:`mmlight.cli` (``export_onnx``, ``export_openvino``, ``test_onnx``).

onnx, onnxruntime, onnxscript, openvino and nncf are imported only when a
function needs them, so importing this package does not require them.
"""
from .onnx_deploy import (export_from_config, export_openvino_from_config,
                          verify_onnx)
from .onnx_export import export_onnx
from .openvino_runtime import (OvRecognizer, convert_to_openvino,
                               quantize_openvino)
from .ort_inference import (OrtRecognizer, compare_outputs, deployed_runner,
                            evaluate_backends, evaluate_onnx, file_size_mb,
                            measure_latency)
from .recognizer import build_recognizer, torch_backend

__all__ = [
    'OrtRecognizer', 'OvRecognizer', 'build_recognizer', 'compare_outputs',
    'convert_to_openvino', 'deployed_runner', 'evaluate_backends',
    'evaluate_onnx', 'export_onnx', 'export_from_config',
    'export_openvino_from_config', 'file_size_mb', 'measure_latency',
    'quantize_openvino', 'torch_backend', 'verify_onnx'
]
