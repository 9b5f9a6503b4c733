"""``tools/deployment/export_onnx.py``: export a checkpoint to ONNX,
optionally static INT8 QDQ (:func:`mmlight.deployment.export_from_config`),
and check it against PyTorch (:func:`mmlight.deployment.verify_onnx`)."""
import argparse
from typing import Any, Dict, Optional, Sequence

from mmlight.cli.common import add_cfg_options
from mmlight.compression.quantization.onnx_qdq import CALIBRATION_METHODS
from mmlight.reports.common import format_cell

__all__ = [
    'add_deploy_options', 'build_parser', 'format_verify_report', 'main'
]


def add_deploy_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--cfg-options`` and ``--threads``, which the three deployment
    tools (:mod:`.export_onnx`, :mod:`.export_openvino`, :mod:`.test_onnx`)
    share."""
    add_cfg_options(
        parser, 'override config settings, key=value (e.g. '
        'test_dataloader.num_workers=0), as in tools/test.py')
    parser.add_argument(
        '--threads', type=int, default=0,
        help='ONNX Runtime intra-op threads (0: its choice)')


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
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
    add_deploy_options(parser)
    return parser


def format_verify_report(report: Dict[str, Any]) -> str:
    """:func:`~mmlight.deployment.verify_onnx`'s result as a markdown table
    and notes."""
    batches = sorted({b for row in report['rows'] for b in row['latency_ms']})
    fp32, int8 = report.get('names', ('onnx_fp32', 'onnx_int8'))
    openvino = fp32.startswith('openvino')
    head = ['model', 'file (MB)', 'top-1 (%)', 'top-1 agreement w/ PyTorch '
            '(%)', 'max abs logit diff vs PyTorch'] + [
                f'{"OpenVINO" if openvino else "ORT"} ms (bs{b})'
                for b in batches]
    lines = ['| ' + ' | '.join(head) + ' |', '|---' * len(head) + '|']
    for row in report['rows']:
        cells = [row['name'], format_cell(row['size_mb'], '.3f'),
                 format_cell(row['top1'], '.2f', 100),
                 format_cell(row['top1_agreement'], '.2f', 100),
                 format_cell(row['max_abs_logit_diff'], '.2e')]
        cells += [format_cell(row['latency_ms'].get(b), '.2f')
                  for b in batches]
        lines.append('| ' + ' | '.join(cells) + ' |')
    sizes = {row['name']: row['size_mb'] for row in report['rows']}
    if sizes.get(fp32) and sizes.get(int8):
        ratio = sizes[fp32] / sizes[int8]
        lines.append(f'\nINT8 file is {ratio:.2f}x smaller than FP32.')
    runtime = ('OpenVINO CPU, INFERENCE_NUM_THREADS' if openvino else
               'ONNX Runtime CPU, intra_op_num_threads')
    lines.append(f'Input {tuple(report["input_shape"])}; {runtime}='
                 f'{report["num_threads"]} (0: its choice); logits = the '
                 'head\'s raw output, before the softmax of average_clip.')
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Export; print the files written (and, with ``--verify``, the report).

    Returns:
        int: 0. A missing checkpoint raises ``FileNotFoundError`` naming it,
        before anything is built.
    """
    from mmlight.deployment import (build_recognizer, export_from_config,
                                    verify_onnx)
    from mmlight.utils import load_config
    from mmlight.utils.checkpoint_io import check_file
    args = build_parser().parse_args(argv)
    check_file(args.checkpoint, 'checkpoint')
    cfg = load_config(args.config, args.cfg_options)
    model = build_recognizer(cfg, args.checkpoint)
    out = export_from_config(cfg, model, args.out, args.int8,
                             calib_batches=args.calib_batches,
                             calib_method=args.calib_method,
                             opset=args.opset, progress=True)
    print(f'FP32 ONNX: {out["fp32"]}')
    if out['int8']:
        print(f'INT8 ONNX (static QDQ): {out["int8"]}')
    if args.verify:
        report = verify_onnx(cfg, model, out['fp32'], out['int8'],
                             num_threads=args.threads,
                             latency_batches=(1, 8) if args.latency else (),
                             progress=True)
        print(format_verify_report(report))
    return 0
