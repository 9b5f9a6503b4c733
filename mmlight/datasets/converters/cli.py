"""``tools/data/convert_fall_dataset.py``: a public fall dataset's download
to MMAction2 annotation files, split by recording."""
import argparse
from typing import List, Optional, Sequence

from .common import (FALL_CLASSES, ClipRecord, split_records,
                     write_annotations)
from .folders import convert_folders
from .le2i import convert_le2i
from .urfall import convert_urfall

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(
        description='Convert a fall dataset download to MMAction2 video '
        'annotations (train.txt, val.txt, test.txt, classes.txt, '
        'meta.json) split by recording')
    parser.add_argument('dataset', choices=['urfall', 'le2i', 'folders'],
                        help='urfall: UR Fall Detection (zips or folders of '
                        'RGB frames); le2i: Le2i/ImViA (<scene>/Videos, '
                        '<scene>/Annotation_files); folders: one folder a '
                        'class')
    parser.add_argument('root', help='the downloaded dataset')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--ratios', type=float, nargs=3,
                        default=(0.7, 0.15, 0.15),
                        metavar=('TRAIN', 'VAL', 'TEST'))
    parser.add_argument('--seed', type=int, default=0,
                        help='shuffles the recordings before the split')
    parser.add_argument('--copy', action='store_true',
                        help='le2i/folders: copy the videos instead of '
                        'symlinking them')
    parser.add_argument('--camera', default='cam0',
                        help='urfall: cam0 (front) or cam1 (ceiling)')
    parser.add_argument('--fps', type=float, default=30.0,
                        help='urfall: frame rate of the sequences')
    parser.add_argument('--classes', nargs='+',
                        help='folders: class folders in label order '
                        '(default: all, sorted)')
    parser.add_argument('--group-pattern',
                        help='folders: regex whose group 1 names the '
                        'recording (e.g. a subject) that must stay in one '
                        'split')
    return parser


def _convert(args: argparse.Namespace) -> tuple:
    skipped: List[str] = []
    if args.dataset == 'urfall':
        records = convert_urfall(args.root, args.out, args.camera, args.fps)
        classes: Sequence[str] = FALL_CLASSES
    elif args.dataset == 'le2i':
        records, skipped = convert_le2i(args.root, args.out,
                                        link=not args.copy)
        classes = FALL_CLASSES
    else:
        records, classes = convert_folders(args.root, args.out,
                                           args.classes, args.group_pattern,
                                           link=not args.copy)
    return records, classes, skipped


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Convert, split, write; print what was written.

    Returns:
        int: 0.
    """
    args = build_parser().parse_args(argv)
    records: List[ClipRecord]
    records, classes, skipped = _convert(args)
    splits = split_records(records, args.ratios, args.seed)
    counts = write_annotations(args.out, splits, classes, args.dataset,
                               {k: v for k, v in vars(args).items()})
    falls = {s: sum(r.label == 1 for r in rs) for s, rs in splits.items()}
    print(f'{args.dataset}: {len(records)} clips -> {args.out} '
          f'({", ".join(f"{s} {n}" for s, n in counts.items())}; classes '
          f'{", ".join(classes)})')
    if list(classes) == list(FALL_CLASSES):
        print('  falls per split: ' + ', '.join(
            f'{s} {n}' for s, n in falls.items()))
    if skipped:
        print(f'  skipped {len(skipped)} videos without an annotation file, '
              f'e.g. {skipped[0]}')
    return 0
