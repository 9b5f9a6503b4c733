"""``tools/test.py``: test a checkpoint (or an exported INT8 ``.pt2``) with
an mmlight (or MMAction2) config, as MMAction2's tool does (arguments merged
by :func:`~mmlight.cli.common.merge_test_args`)."""
import argparse
from typing import Optional, Sequence

from mmlight.cli.common import (add_runner_args, build_runner,
                                merge_test_args, run_tool)

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(description='Test an mmlight model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--dump', type=str, help='dump predictions to this pickle file')
    add_runner_args(parser)
    return parser


def _test(argv: Optional[Sequence[str]]) -> None:
    from mmlight.utils import load_config
    args = build_parser().parse_args(argv)
    build_runner(merge_test_args(load_config(args.config), args)).test()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Test; a user error (bad config, annotation, checkpoint...) ends
    with one line (:func:`~mmlight.cli.common.run_tool`).

    Returns:
        int: 0; a user error exits with status 1, bad arguments with 2.
    """
    run_tool(lambda: _test(argv), 'tools/test.py')
    return 0
