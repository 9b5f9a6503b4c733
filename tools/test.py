"""Test a checkpoint with an mmlight (or MMAction2) config.

    python tools/test.py configs/fall_mbv3_baseline.py work_dirs/.../best.pth
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.runner import Runner  # noqa: E402

from mmlight.registry import RUNNERS  # noqa: E402
from mmlight.cli.common import build_test_parser, merge_test_args, run_tool
from mmlight.utils import load_config


def main() -> None:
    args = build_test_parser().parse_args()
    cfg = merge_test_args(load_config(args.config), args)
    runner = (RUNNERS.build(cfg)
              if 'runner_type' in cfg else Runner.from_cfg(cfg))
    runner.test()


if __name__ == '__main__':
    run_tool(main, 'tools/test.py')
