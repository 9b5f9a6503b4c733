"""Train a model from an mmlight (or MMAction2) config.

    python tools/train.py configs/fall_mbv3_baseline.py [--resume] [--amp]
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlight.cli.train import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
