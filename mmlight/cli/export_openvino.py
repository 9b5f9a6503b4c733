"""``tools/deployment/export_openvino.py``: export a checkpoint to OpenVINO,
FP32 IR and NNCF INT8 IR
(:func:`mmlight.deployment.export_openvino_from_config`), and check them
against PyTorch."""
import argparse
from typing import Optional, Sequence

from mmlight.cli.export_onnx import add_deploy_options, format_verify_report

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
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
    add_deploy_options(parser)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Export; print the files written (and, with ``--verify``, the report).

    Returns:
        int: 0. An ``--out`` that is no ``.xml`` exits with status 2
        (``parser.error``); a missing checkpoint raises
        ``FileNotFoundError`` naming it, before anything is built.
    """
    from mmlight.deployment import (build_recognizer,
                                    export_openvino_from_config, verify_onnx)
    from mmlight.utils import load_config
    from mmlight.utils.checkpoint_io import check_file
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.out.endswith('.xml'):
        parser.error(f'--out must be an OpenVINO .xml, got {args.out}')
    check_file(args.checkpoint, 'checkpoint')
    cfg = load_config(args.config, args.cfg_options)
    model = build_recognizer(cfg, args.checkpoint)
    out = export_openvino_from_config(
        cfg, model, args.out, calib_batches=args.calib_batches,
        subset_size=args.subset_size, preset=args.preset,
        fast_bias_correction=args.fast_bias_correction, progress=True)
    print(f'FP32 ONNX: {out["onnx"]}')
    print(f'FP32 OpenVINO IR: {out["fp32"]}')
    print(f'INT8 OpenVINO IR (NNCF PTQ): {out["int8"]}')
    if args.verify:
        report = verify_onnx(cfg, model, out['fp32'], out['int8'],
                             num_threads=args.threads,
                             latency_batches=(1, 8) if args.latency else (),
                             progress=True,
                             names=('openvino_fp32', 'openvino_int8'))
        print(format_verify_report(report))
    return 0
