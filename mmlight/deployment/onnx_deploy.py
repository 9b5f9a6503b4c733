"""Config in, ONNX / OpenVINO files and figures out: the library behind
``tools/deployment/export_onnx.py`` and ``export_openvino.py``
(:mod:`mmlight.cli.export_onnx`, :mod:`mmlight.cli.export_openvino`).
"""
import os.path as osp
from typing import Any, Dict, Optional, Sequence

from torch import nn

from mmlight.compression.quantization.onnx_qdq import (calibration_batches,
                                                       quantize_onnx_static)
from mmlight.deployment.onnx_export import expected_input_rank, export_onnx
from mmlight.deployment.ort_inference import (compare_outputs,
                                              deployed_runner,
                                              evaluate_backends, file_size_mb,
                                              measure_latency)
from mmlight.deployment.recognizer import torch_backend
from mmlight.measure.complexity import infer_input_shape

__all__ = ['export_from_config', 'export_openvino_from_config', 'verify_onnx']


def export_from_config(cfg: Any,
                       model: nn.Module,
                       out: str,
                       int8_out: Optional[str] = None,
                       calib_batches: int = 16,
                       calib_method: str = 'MinMax',
                       opset: int = 18,
                       dynamic_batch: bool = True,
                       quant_options: Optional[Dict[str, Any]] = None,
                       progress: bool = False) -> Dict[str, Any]:
    """Export a config's recognizer, and optionally quantize it.

    Args:
        cfg (Config | dict): The config; its test pipeline gives the input
            shape (:func:`~mmlight.measure.complexity.infer_input_shape`) and
            its val dataloader the calibration clips.
        model (nn.Module): The recognizer, weights loaded.
        out (str): The FP32 ``.onnx``.
        int8_out (str, optional): The INT8 ``.onnx``. Defaults to None.
        calib_batches (int): Val batches to calibrate on. Defaults to 16.
        calib_method (str): See :func:`quantize_onnx_static`. Defaults to
            ``'MinMax'``.
        opset (int): ONNX opset. Defaults to 18.
        dynamic_batch (bool): Dynamic number of clips. Defaults to True.
            A Recognizer3D's number of views is always dynamic.
        quant_options (dict, optional): More :func:`quantize_onnx_static`
            keyword arguments. Defaults to None.
        progress (bool): Print ``calibration (val_dataloader): batch
            i/n`` lines as the clips are read. Defaults to False.

    Returns:
        dict: ``input_shape``, ``fp32`` and ``int8`` (paths; None if not
        written).
    """
    shape = infer_input_shape(cfg)
    # A 3D test pipeline may sample several views a clip;
    # infer_input_shape counts one.
    export_onnx(model, shape, out, opset=opset, dynamic_batch=dynamic_batch,
                dynamic_views=expected_input_rank(model) == 6)
    if int8_out is not None:
        quantize_onnx_static(
            out, int8_out,
            calibration_batches(cfg, model, calib_batches,
                                progress='calibration' if progress else None),
            calibrate_method=calib_method, **dict(quant_options or {}))
    return dict(input_shape=shape, fp32=out, int8=int8_out)


def export_openvino_from_config(cfg: Any,
                                model: nn.Module,
                                out: str,
                                calib_batches: int = 16,
                                subset_size: int = 300,
                                preset: str = 'performance',
                                fast_bias_correction: bool = False,
                                progress: bool = False) -> Dict[str, Any]:
    """Export a config's recognizer to OpenVINO, FP32 and NNCF INT8.

    The FP32 ONNX (:func:`export_from_config`) is converted to an FP32 IR
    (:func:`~mmlight.deployment.openvino_runtime.convert_to_openvino`) and
    quantized by NNCF on the val split's preprocessed clips
    (:func:`~mmlight.deployment.openvino_runtime.quantize_openvino`, the
    clips the ONNX Runtime QDQ path calibrates on).

    Args:
        cfg (Config | dict): The config.
        model (nn.Module): The recognizer, weights loaded.
        out (str): The INT8 ``.xml``; ``<out>_fp32.xml`` and
            ``<out>_fp32.onnx`` are written beside it.
        calib_batches (int): Val batches to calibrate on. Defaults to 16.
        subset_size (int): NNCF's statistics subset. Defaults to 300.
        preset (str): NNCF preset. Defaults to ``'performance'``.
        fast_bias_correction (bool): NNCF's fast bias correction. Defaults
            to False (the full one).
        progress (bool): Print calibration progress lines. Defaults to
            False.

    Returns:
        dict: ``input_shape``, ``onnx``, ``fp32`` and ``int8`` (paths).
    """
    from mmlight.deployment.openvino_runtime import (convert_to_openvino,
                                                     quantize_openvino)
    if not str(out).endswith('.xml'):
        raise ValueError(f'--out must be an OpenVINO .xml, got {out}')
    stem = osp.splitext(out)[0] + '_fp32'
    onnx_path, fp32 = stem + '.onnx', stem + '.xml'
    shape = export_from_config(cfg, model, onnx_path)['input_shape']
    convert_to_openvino(onnx_path, fp32)
    quantize_openvino(
        fp32, out,
        calibration_batches(cfg, model, calib_batches,
                            progress='calibration' if progress else None),
        subset_size=subset_size, preset=preset,
        fast_bias_correction=fast_bias_correction)
    return dict(input_shape=shape, onnx=onnx_path, fp32=fp32, int8=out)


def verify_onnx(cfg: Any,
                model: nn.Module,
                fp32_path: str,
                int8_path: Optional[str] = None,
                num_threads: int = 0,
                latency_batches: Sequence[int] = (),
                split: str = 'test',
                progress: bool = False,
                names: Sequence[str] = ('onnx_fp32', 'onnx_int8')
                ) -> Dict[str, Any]:
    """PyTorch and the deployed files side by side on one split.

    Args:
        cfg (Config | dict): The config.
        model (nn.Module): The PyTorch recognizer the files came from.
        fp32_path (str): The FP32 ``.onnx`` (or OpenVINO ``.xml``).
        int8_path (str, optional): The INT8 ``.onnx`` (or ``.xml``).
            Defaults to None.
        num_threads (int): Intra-op threads of the runtime. Defaults to 0.
        latency_batches (Sequence[int]): Batch sizes to time ONNX Runtime
            at (:func:`measure_latency`); none by default.
        split (str): Defaults to ``'test'``.
        progress (bool): Print ``verification (test_dataloader): batch
            i/n`` lines as it goes. Defaults to False.
        names (Sequence[str]): The two files' row names. Defaults to
            ``('onnx_fp32', 'onnx_int8')``.

    Returns:
        dict: ``rows``, one dict a model (``name``, ``path``, ``size_mb``,
        ``top1``, ``metrics``, ``top1_agreement`` and
        ``max_abs_logit_diff`` vs PyTorch, ``latency_ms`` by batch size),
        ``num_threads`` and ``input_shape``.
    """
    paths = {names[0]: fp32_path}
    if int8_path is not None:
        paths[names[1]] = int8_path
    sessions = {name: deployed_runner(path, num_threads)
                for name, path in paths.items()}
    results = evaluate_backends(
        cfg, {'pytorch': torch_backend(model), **sessions}, model=model,
        split=split, return_logits=True,
        progress='verification' if progress else None)
    shape = infer_input_shape(cfg)
    rows = []
    for name, result in results.items():
        row = dict(name=name, path=paths.get(name), size_mb=None,
                   top1=result['metrics'].get('acc/top1'),
                   metrics=result['metrics'], latency_ms={},
                   **compare_outputs(results['pytorch'], result))
        if name in sessions:
            row['size_mb'] = file_size_mb(paths[name])
            for batch in latency_batches:
                row['latency_ms'][int(batch)] = measure_latency(
                    sessions[name], (int(batch), ) + tuple(shape[1:]),
                    repeats=3, min_seconds=1.0)
        rows.append(row)
    return dict(rows=rows, num_threads=num_threads, input_shape=shape,
                names=tuple(names))
