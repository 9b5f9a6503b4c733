"""Convert a public fall dataset's download to MMAction2 annotation files;
see ``--help`` and :mod:`mmlight.datasets.converters`.

Examples:
    python tools/data/convert_fall_dataset.py urfall ~/UR_Fall --out data/urfall
    python tools/data/convert_fall_dataset.py le2i ~/Le2i --out data/le2i
    python tools/data/convert_fall_dataset.py folders ~/my_clips \
        --out data/my_falls --group-pattern '(subject\\d+)'
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.convert_fall_dataset import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
