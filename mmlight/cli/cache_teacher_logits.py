"""``tools/analysis/cache_teacher_logits.py``: run a teacher once over a
dataset and save its logits per video
(:func:`mmlight.models.utils.teacher_cache.cache_teacher_logits`), so that
``VideoDistill(teacher_logits=...)`` never runs the teacher."""
import argparse
from typing import Optional, Sequence

from mmlight.cli.common import add_cfg_options

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(
        description='Run a teacher once over a dataset and save its logits '
        'per video.')
    parser.add_argument('config', help='the teacher config')
    parser.add_argument('checkpoint', help='the teacher checkpoint')
    parser.add_argument('--out', required=True, help='logits file to write')
    parser.add_argument('--split', default='train', choices=['train', 'val',
                                                              'test'],
                        help="whose annotation file (default: 'train')")
    parser.add_argument('--device', default='cpu', help="e.g. 'cuda'")
    add_cfg_options(parser, help='override teacher config settings, '
                    'key=value (e.g. train_dataloader.dataset.ann_file=...)')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Cache the logits; print how many videos.

    Returns:
        int: 0.
    """
    from mmlight.models.utils.teacher_cache import cache_teacher_logits
    args = build_parser().parse_args(argv)
    n = cache_teacher_logits(args.config, args.checkpoint, args.out,
                             args.split, args.device, args.cfg_options)
    print(f'{args.out}: logits of {n} videos')
    return 0
