"""Generate the SynthFall dataset; see ``--help`` and
:mod:`mmlight.datasets.synthfall`.

Example:
    python tools/data/synthfall.py --out data/synthfall --num-clips 600 \
        --seed 0 --workers 2 --contact-sheet
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.synthfall import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
