"""Export a checkpoint to ONNX, optionally INT8, and check it.

    python tools/deployment/export_onnx.py configs/fall_mbv3s_tsm.py \
        work_dirs/.../best.pth --out student.onnx \
        --int8 student_int8.onnx --calib-batches 16 --verify
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.deployment import (build_export_parser,  # noqa: E402
                                build_recognizer, export_from_config,
                                format_verify_report, verify_onnx)
from mmlight.utils.checkpoint_io import check_file  # noqa: E402
from mmlight.utils import load_config  # noqa: E402


def main() -> None:
    args = build_export_parser().parse_args()
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


if __name__ == '__main__':
    main()
