"""Play a SynthFall split back to back as one long video with the times of
every fall (for tools/demo/fall_detect.py --gt).

Example:
    python tools/data/make_fall_stream.py data/synthfall \
        --out data/synthfall/stream_test.mp4 --split test
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.make_fall_stream import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
