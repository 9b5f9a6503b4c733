"""``tools/train.py``: train a model from an mmlight (or MMAction2) config,
as MMAction2's tool does (arguments merged by
:func:`~mmlight.cli.common.merge_train_args`)."""
import argparse
from typing import Optional, Sequence

from mmlight.cli.common import (add_runner_args, build_runner,
                                merge_train_args, run_tool)

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(description='Train an mmlight model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or without a path from the '
        'latest checkpoint in the work directory')
    parser.add_argument(
        '--amp', action='store_true', help='mixed precision training')
    parser.add_argument(
        '--no-validate', action='store_true', help='skip validation')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate with the total batch size')
    parser.add_argument(
        '--epochs',
        type=int,
        default=None,
        help='train for this many epochs; epoch-based schedulers that end '
        'at the config\'s max_epochs are rescaled to end here')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed',
        action='store_true',
        help='use a different seed on each rank')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='deterministic cuDNN algorithms')
    add_runner_args(parser)
    return parser


def _train(argv: Optional[Sequence[str]]) -> None:
    from mmlight.utils import load_config
    args = build_parser().parse_args(argv)
    build_runner(merge_train_args(load_config(args.config), args)).train()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Train; a user error (bad config, annotation, checkpoint...) ends
    with one line (:func:`~mmlight.cli.common.run_tool`).

    Returns:
        int: 0; a user error exits with status 1, bad arguments with 2.
    """
    run_tool(lambda: _train(argv), 'tools/train.py')
    return 0
