"""Test an ONNX recognizer with ONNX Runtime (an OpenVINO .xml with
OpenVINO), as tools/test.py tests a checkpoint.

    python tools/deployment/test_onnx.py configs/fall_mbv3s_tsm.py \
        student_int8.onnx --dump preds.pkl
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.deployment import (build_test_onnx_parser,  # noqa: E402
                                evaluate_onnx, format_metrics)
from mmlight.utils.checkpoint_io import check_file  # noqa: E402
from mmlight.utils import load_config  # noqa: E402


def main() -> None:
    args = build_test_onnx_parser().parse_args()
    check_file(args.model, 'ONNX or OpenVINO model')
    cfg = load_config(args.config, args.cfg_options)
    result = evaluate_onnx(cfg, args.model, num_threads=args.threads,
                           dump=args.dump, progress=True)
    print(format_metrics(result['metrics']))
    if args.dump:
        print(f'predictions written to {args.dump}')


if __name__ == '__main__':
    main()
