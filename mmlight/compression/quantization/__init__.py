"""INT8: static PT2E quantization of a recognizer's backbone
(:mod:`.pt2e`), its exported modules (:mod:`.exported`), QAT BatchNorm
folding (:mod:`.qat_batchnorm`), ``.pt2`` files (:mod:`.serialization`) and
their compiled runtime (:mod:`.int8_runtime`); static QDQ quantization of an
ONNX model (:mod:`.onnx_qdq`, needs onnxruntime, imported when called).
"""
from .onnx_qdq import (ArrayCalibrationReader, calibration_batches,
                       quantize_onnx_static)

__all__ = [
    'ArrayCalibrationReader', 'calibration_batches', 'quantize_onnx_static'
]
