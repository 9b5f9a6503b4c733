"""Train a model from an mmlight (or MMAction2) config.

    python tools/train.py configs/fall_mbv3_baseline.py [--resume] [--amp]
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.runner import Runner  # noqa: E402

from mmlight.registry import RUNNERS  # noqa: E402
from mmlight.cli.common import build_train_parser, merge_train_args, run_tool
from mmlight.utils import load_config


def main() -> None:
    args = build_train_parser().parse_args()
    cfg = merge_train_args(load_config(args.config), args)
    runner = (RUNNERS.build(cfg)
              if 'runner_type' in cfg else Runner.from_cfg(cfg))
    runner.train()


if __name__ == '__main__':
    run_tool(main, 'tools/train.py')
