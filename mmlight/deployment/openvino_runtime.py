"""OpenVINO as a deploy target: FP32 IR from our ONNX export, INT8 by
NNCF's post-training quantization, and a runner for its CPU plugin.

The FP32 ``.onnx`` of :func:`~mmlight.deployment.onnx_export.export_onnx`
is converted by ``openvino.convert_model`` (weights kept FP32, not
compressed to FP16) and saved as an IR pair (``model.xml`` + ``model.bin``).
INT8 is ``nncf.quantize`` of that model on real preprocessed clips (the
same :func:`~mmlight.compression.quantization.onnx_qdq.calibration_batches` as
the ONNX Runtime QDQ path): NNCF's default ``performance`` preset
(symmetric int8 weights per channel, activations per tensor) and NNCF's
full bias correction (its default, the fast one, lost a third of the
predictions of the 3D test network: top-1 agreement with FP32 0.56 against
0.92, ONNX Runtime QDQ 0.95). :class:`OvRecognizer` runs either IR on the CPU plugin
with a fixed number of inference threads and the latency hint, the ONNX
Runtime counterpart being
:class:`~mmlight.deployment.ort_inference.OrtRecognizer`.

On a CPU with AVX512-BF16 or AMX, OpenVINO's CPU plugin computes in bf16
by default (``INFERENCE_PRECISION_HINT``), even for an "FP32" IR: logits
then differ from the FP32 model by ~1e-1. :class:`OvRecognizer` asks for
f32 unless told otherwise, so an FP32 IR gives the FP32 model's outputs
and the layers NNCF left unquantized stay FP32, as in the other runtimes.

openvino and nncf are imported only when a function needs them.
OpenVINO's telemetry is opt-in and stays off unless a user consented.
"""
import os
import os.path as osp
from typing import Any, Iterable, Optional

import numpy as np

from mmlight.deployment.recognizer import model_input
from mmlight.utils.checkpoint_io import check_file

__all__ = ['OvRecognizer', 'convert_to_openvino', 'quantize_openvino',
           'ir_size_mb']


def _bin_path(xml: str) -> str:
    return osp.splitext(xml)[0] + '.bin'


def ir_size_mb(xml: str) -> float:
    """Size on disk of an IR: the ``.xml`` and its ``.bin``, in MB."""
    return (osp.getsize(xml) + osp.getsize(_bin_path(xml))) / 2**20


def _check_xml(path: str) -> None:
    if not str(path).endswith('.xml'):
        raise ValueError(f'an OpenVINO IR is a .xml file (and its .bin), '
                         f'got {path}')


def convert_to_openvino(onnx_path: str, xml_path: str) -> str:
    """Convert an FP32 ``.onnx`` into an FP32 OpenVINO IR.

    Args:
        onnx_path (str): From :func:`~mmlight.deployment.export_onnx`.
        xml_path (str): The ``.xml`` to write (its ``.bin`` beside it);
            folders are created.

    Returns:
        str: ``xml_path``.
    """
    import openvino as ov
    check_file(onnx_path, 'ONNX model')
    _check_xml(xml_path)
    os.makedirs(osp.dirname(osp.abspath(xml_path)), exist_ok=True)
    ov.save_model(ov.convert_model(onnx_path), xml_path,
                  compress_to_fp16=False)
    return xml_path


def quantize_openvino(fp32_path: str,
                      xml_path: str,
                      calibration_inputs: Iterable[np.ndarray],
                      subset_size: int = 300,
                      preset: str = 'performance',
                      fast_bias_correction: bool = False,
                      overflow_fix: str = 'enable') -> str:
    """NNCF post-training INT8 quantization of an OpenVINO (or ONNX) model.

    Args:
        fp32_path (str): An FP32 IR ``.xml`` or an FP32 ``.onnx``.
        xml_path (str): The INT8 ``.xml`` to write (its ``.bin`` beside
            it).
        calibration_inputs (Iterable[np.ndarray]): Preprocessed batches of
            the model's input, e.g.
            :func:`~mmlight.deployment.calibration_batches`; at least one.
        subset_size (int): Clips NNCF collects statistics on (its
            default 300). Defaults to 300.
        preset (str): ``'performance'`` (symmetric activations) or
            ``'mixed'`` (asymmetric activations). Defaults to
            ``'performance'``.
        fast_bias_correction (bool): NNCF's fast bias correction (its
            default) instead of the full one. Defaults to False.
        overflow_fix (str): NNCF's ``OverflowFix``: ``'enable'`` (7-bit
            weights in every layer), ``'first_layer_only'`` (NNCF's
            default) or ``'disable'``. x86 CPUs without VNNI add pairs of
            8-bit products in 16 bits and saturate; on such a CPU the
            default gave a random MobileNetV3-Small TSM student (the tests')
            the FP32 model's class on 79% of clips, its logits 0.45 of
            their spread away; every layer is fixed unless the IR only
            ever runs on VNNI CPUs.
            Defaults to ``'enable'``.

    Returns:
        str: ``xml_path``.

    Raises:
        ValueError: No calibration batch, a bad preset or subset size.
    """
    import nncf
    import openvino as ov
    check_file(fp32_path, 'FP32 model')
    _check_xml(xml_path)
    presets = {'performance': nncf.QuantizationPreset.PERFORMANCE,
               'mixed': nncf.QuantizationPreset.MIXED}
    if preset not in presets:
        raise ValueError(f'preset must be one of {list(presets)}, got '
                         f'{preset!r}')
    fixes = {f.value: f for f in nncf.OverflowFix}
    if overflow_fix not in fixes:
        raise ValueError(f'overflow_fix must be one of {list(fixes)}, got '
                         f'{overflow_fix!r}')
    if isinstance(subset_size, bool) or not isinstance(
            subset_size, int) or subset_size < 1:
        raise ValueError(f'subset_size must be an int >= 1, got '
                         f'{subset_size!r}')
    batches = [np.ascontiguousarray(b, np.float32)
               for b in calibration_inputs]
    if not batches:
        raise ValueError('calibration_inputs gave no batch')
    model = ov.Core().read_model(fp32_path)
    quantized = nncf.quantize(
        model, nncf.Dataset(batches), preset=presets[preset],
        subset_size=subset_size, fast_bias_correction=fast_bias_correction,
        advanced_parameters=nncf.AdvancedQuantizationParameters(
            overflow_fix=fixes[overflow_fix]))
    os.makedirs(osp.dirname(osp.abspath(xml_path)), exist_ok=True)
    ov.save_model(quantized, xml_path, compress_to_fp16=False)
    return xml_path


class OvRecognizer:
    """An OpenVINO IR (FP32 or INT8) on OpenVINO's CPU plugin.

    Args:
        path (str): The ``.xml`` (its ``.bin`` beside it).
        num_threads (int): ``INFERENCE_NUM_THREADS``; 0 lets OpenVINO
            choose. Defaults to 0.
        hint (str): ``PERFORMANCE_HINT``, ``'LATENCY'`` or
            ``'THROUGHPUT'``. Defaults to ``'LATENCY'``.
        precision (str, optional): ``INFERENCE_PRECISION_HINT`` of what is
            not int8: ``'f32'``, ``'bf16'``, ``'f16'``, or None for the
            plugin's default (bf16 where the CPU has it). Defaults to
            ``'f32'``.

    Raises:
        FileNotFoundError: ``path`` or its ``.bin`` does not exist.
        ValueError: A bad ``num_threads`` or ``hint``.

    Examples:
        >>> ov_model = OvRecognizer('student_int8.xml', num_threads=2)
        >>> ov_model(np.zeros((1, 8, 3, 48, 64), np.float32)).shape
        (1, 7)
    """

    def __init__(self, path: str, num_threads: int = 0,
                 hint: str = 'LATENCY',
                 precision: Optional[str] = 'f32') -> None:
        check_file(path, 'OpenVINO model')
        _check_xml(path)
        check_file(_bin_path(path), 'OpenVINO weights')
        if isinstance(num_threads, bool) or not isinstance(
                num_threads, int) or num_threads < 0:
            raise ValueError(f'num_threads must be an int >= 0, got '
                             f'{num_threads!r}')
        if hint not in ('LATENCY', 'THROUGHPUT'):
            raise ValueError(f"hint must be 'LATENCY' or 'THROUGHPUT', got "
                             f'{hint!r}')
        if precision not in ('f32', 'bf16', 'f16', None):
            raise ValueError(f"precision must be 'f32', 'bf16', 'f16' or "
                             f'None, got {precision!r}')
        import openvino as ov
        config = {'PERFORMANCE_HINT': hint}
        if precision is not None:
            config['INFERENCE_PRECISION_HINT'] = precision
        if num_threads:
            config['INFERENCE_NUM_THREADS'] = num_threads
        self.path = str(path)
        self.compiled = ov.Core().compile_model(self.path, 'CPU', config)
        self.request = self.compiled.create_infer_request()
        shape = self.compiled.input(0).get_partial_shape()
        # None for a dynamic dimension, e.g. [None, 8, 3, 48, 64]
        self.input_shape = [d.get_length() if d.is_static else None
                            for d in shape]

    def __call__(self, inputs: Any) -> np.ndarray:
        """Class logits of preprocessed clips.

        Args:
            inputs (np.ndarray | torch.Tensor): ``(N, num_segs, C, H, W)``
                or ``(N, num_views, C, T, H, W)``; cast to float32.

        Returns:
            np.ndarray: Logits, ``(N, num_classes)`` (2D) or
            ``(N * num_views, num_classes)`` (3D).
        """
        inputs = model_input(inputs, self.input_shape, self.path)
        # copy: the request's output buffer is reused by the next call
        out = np.array(self.request.infer([inputs])[0], copy=True)
        if inputs.shape[0] and not out.shape[0]:
            # seen with OpenVINO 2026.4 on NNCF INT8 MobileNetV3 at 32x32
            # input (1x1 feature maps): it returns no rows instead of failing
            raise RuntimeError(
                f'{self.path}: OpenVINO returned no scores for '
                f'{inputs.shape[0]} clips of shape {inputs.shape[1:]} (an '
                'OpenVINO CPU plugin fault on this graph; a larger input '
                'size avoids it)')
        return out
