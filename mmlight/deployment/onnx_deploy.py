"""The logic behind ``tools/deployment/export_onnx.py``,
``export_openvino.py`` and ``test_onnx.py``: config in, ONNX / OpenVINO
files and figures out.
"""
import os.path as osp
import argparse
from typing import Any, Dict, Optional, Sequence

from mmengine.config import Config, DictAction
from torch import nn

from mmlight.deployment.onnx_export import expected_input_rank, export_onnx
from mmlight.compression.quantization.onnx_qdq import (CALIBRATION_METHODS,
                                                  calibration_batches,
                                                  quantize_onnx_static)
from mmlight.deployment.ort_inference import (compare_outputs,
                                              deployed_runner,
                                              evaluate_backends, file_size_mb,
                                              measure_latency)
from mmlight.deployment.recognizer import torch_backend
from mmlight.reports.benchmark import _fmt as _cell
from mmlight.measure.complexity import infer_input_shape

__all__ = [
    'build_export_parser', 'build_export_openvino_parser',
    'build_test_onnx_parser', 'export_from_config',
    'export_openvino_from_config', 'verify_onnx', 'format_verify_report',
    'format_metrics'
]


def _add_cfg_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, key=value (e.g. '
        'test_dataloader.num_workers=0), as in tools/test.py')
    parser.add_argument(
        '--threads', type=int, default=0,
        help='ONNX Runtime intra-op threads (0: its choice)')


def build_export_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tools/deployment/export_onnx.py``."""
    parser = argparse.ArgumentParser(
        description='Export a recognizer to ONNX (FP32, optionally static '
        'INT8 QDQ) and check it against PyTorch with ONNX Runtime')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file (.pth)')
    parser.add_argument('--out', required=True, help='FP32 .onnx to write')
    parser.add_argument('--int8', help='also write a static INT8 (QDQ) '
                        '.onnx, calibrated on the val split')
    parser.add_argument('--calib-batches', type=int, default=16,
                        help='val batches for INT8 calibration (all of '
                        'them, with a warning, if the split has fewer)')
    parser.add_argument('--calib-method', default='MinMax',
                        choices=CALIBRATION_METHODS)
    parser.add_argument('--opset', type=int, default=18)
    parser.add_argument('--verify', action='store_true',
                        help='run PyTorch and the ONNX files on the test '
                        'split and print accuracy, agreement, logit '
                        'difference and file sizes')
    parser.add_argument('--latency', action='store_true',
                        help='with --verify: ONNX Runtime latency at batch '
                        '1 and 8')
    _add_cfg_options(parser)
    return parser


def build_export_openvino_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tools/deployment/export_openvino.py``."""
    parser = argparse.ArgumentParser(
        description='Export a recognizer to OpenVINO: FP32 ONNX, FP32 IR '
        'and NNCF post-training INT8 IR, calibrated on the val split; '
        'optionally check them against PyTorch')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file (.pth)')
    parser.add_argument('--out', required=True,
                        help='INT8 .xml to write (its .bin beside it); the '
                        'FP32 IR goes to <out>_fp32.xml and the FP32 ONNX '
                        'it is converted from to <out>_fp32.onnx')
    parser.add_argument('--calib-batches', type=int, default=16,
                        help='val batches for calibration (all of them, '
                        'with a warning, if the split has fewer)')
    parser.add_argument('--subset-size', type=int, default=300,
                        help='clips NNCF collects statistics on')
    parser.add_argument('--preset', default='performance',
                        choices=['performance', 'mixed'],
                        help="NNCF preset (mixed: asymmetric activations)")
    parser.add_argument('--fast-bias-correction', action='store_true',
                        help="NNCF's fast bias correction (its default) "
                        'instead of the full one')
    parser.add_argument('--verify', action='store_true',
                        help='run PyTorch and both IRs on the test split and '
                        'print accuracy, agreement, logit difference and '
                        'file sizes')
    parser.add_argument('--latency', action='store_true',
                        help='with --verify: latency at batch 1 and 8')
    _add_cfg_options(parser)
    return parser


def build_test_onnx_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tools/deployment/test_onnx.py``."""
    parser = argparse.ArgumentParser(
        description='Test an ONNX recognizer on a config\'s test split '
        'with ONNX Runtime (an OpenVINO .xml with OpenVINO)')
    parser.add_argument('config', help='config file the model came from')
    parser.add_argument('model', help='.onnx file (or OpenVINO .xml)')
    parser.add_argument('--dump', help='write predictions to this .pkl, as '
                        'tools/test.py --dump does')
    _add_cfg_options(parser)
    return parser


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


def format_verify_report(report: Dict[str, Any]) -> str:
    """:func:`verify_onnx`'s result as a markdown table and notes."""
    batches = sorted({b for row in report['rows'] for b in row['latency_ms']})
    fp32, int8 = report.get('names', ('onnx_fp32', 'onnx_int8'))
    openvino = fp32.startswith('openvino')
    head = ['model', 'file (MB)', 'top-1 (%)', 'top-1 agreement w/ PyTorch '
            '(%)', 'max abs logit diff vs PyTorch'] + [
                f'{"OpenVINO" if openvino else "ORT"} ms (bs{b})'
                for b in batches]
    lines = ['| ' + ' | '.join(head) + ' |', '|---' * len(head) + '|']
    for row in report['rows']:
        cells = [row['name'], _cell(row['size_mb'], '.3f'),
                 _cell(row['top1'], '.2f', 100),
                 _cell(row['top1_agreement'], '.2f', 100),
                 _cell(row['max_abs_logit_diff'], '.2e')]
        cells += [_cell(row['latency_ms'].get(b), '.2f') for b in batches]
        lines.append('| ' + ' | '.join(cells) + ' |')
    sizes = {row['name']: row['size_mb'] for row in report['rows']}
    if sizes.get(fp32) and sizes.get(int8):
        ratio = sizes[fp32] / sizes[int8]
        lines.append(f'\nINT8 file is {ratio:.2f}x smaller than FP32.')
    runtime = 'OpenVINO CPU, INFERENCE_NUM_THREADS' if openvino else 'ONNX Runtime CPU, intra_op_num_threads'
    lines.append(f'Input {tuple(report["input_shape"])}; {runtime}='
                 f'{report["num_threads"]} (0: its choice); logits = the '
                 'head\'s raw output, before the softmax of average_clip.')
    return '\n'.join(lines)


def format_metrics(metrics: Dict[str, Any]) -> str:
    """Metrics one per line, as ``key: value``; arrays printed whole."""
    lines = []
    for key, value in metrics.items():
        if hasattr(value, 'tolist'):
            value = value.tolist()
        if isinstance(value, float):
            value = f'{value:.4f}'
        lines.append(f'{key}: {value}')
    return '\n'.join(lines)

