"""Streaming fall detection on a video file, a folder of frames or a camera;
see ``--help`` and :mod:`mmlight.apis`.

Examples:
    python tools/demo/fall_detect.py stream.mp4 configs/fall_mbv3s_tsm.py \
        --checkpoint work_dirs/demo/student_tsm/best.pth \
        --out-json events.jsonl --out-video annotated.mp4 --gt stream.mp4.json
    python tools/demo/fall_detect.py 0 configs/fall_mbv3_prune.py \
        --onnx work_dirs/demo/compression/pruned_int8.onnx   # camera 0

Each fall event is printed (a JSON line) as it ends; Ctrl-C ends a camera
stream with the summary of what was seen (exit status 130).
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.fall_detect import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
