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

from mmlight.deployment import (build_export_openvino_parser,  # noqa: E402
                                build_recognizer,
                                export_openvino_from_config,
                                format_verify_report, verify_onnx)
from mmlight.utils.checkpoint_io import check_file  # noqa: E402
from mmlight.utils import load_config  # noqa: E402


def main() -> None:
    parser = build_export_openvino_parser()
    args = parser.parse_args()
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


if __name__ == '__main__':
    main()
