"""Streaming fall detection over every whole video of a converted split,
scored against the annotated falls; see ``--help`` and
:mod:`mmlight.evaluation.stream_eval`.

Examples:
    python tools/analysis/stream_eval.py configs/fall_mbv3_prune_le2i.py \
        --onnx W/pruned_int8.onnx --data-root data/le2i --split val \
        --choose W/alarm.json
    python tools/analysis/stream_eval.py configs/fall_mbv3_prune_le2i.py \
        --onnx W/pruned_int8.onnx --data-root data/le2i --split test \
        --alarm W/alarm.json --out W/stream_test.json
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.stream_eval import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
