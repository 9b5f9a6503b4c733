"""``tools/data/convert_fall_dataset.py``: a public fall dataset's download
to MMAction2 annotation files, split by recording."""
import argparse
import json
import os.path as osp
import sys
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

from mmlight.datasets.converters.common import (FALL_CLASSES, ClipRecord,
                                                split_records,
                                                write_annotations,
                                                write_window_annotations)
from mmlight.datasets.converters.folders import convert_folders
from mmlight.datasets.converters.le2i import (convert_le2i, le2i_windows,
                                              scene_of, window_counts)
from mmlight.datasets.converters.urfall import convert_urfall
from mmlight.datasets.errors import VideoReadError

__all__ = ['DEFAULT_RATIOS', 'build_parser', 'main']

#: Train, val and test ratios of each dataset without ``--ratios``: Le2i
#: gives the test split more, so that its few falls per scene are seen.
DEFAULT_RATIOS: Dict[str, Tuple[float, float, float]] = dict(
    urfall=(0.7, 0.15, 0.15), le2i=(0.6, 0.15, 0.25),
    folders=(0.7, 0.15, 0.15))

#: What bad input raises: printed as one line, exit status 1.
_INPUT_ERRORS = (OSError, ValueError, VideoReadError)


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
    parser.add_argument(
        '--ratios', type=float, nargs=3, metavar=('TRAIN', 'VAL', 'TEST'),
        help='shares of the clips in the train, val and test splits, three '
        'numbers summing to 1; whole groups (a recording, or a '
        '--group-pattern group) are dealt, so each split needs enough of '
        'them (default: ' + ', '.join(
            f'{name} {" ".join(f"{r:g}" for r in ratios)}'
            for name, ratios in DEFAULT_RATIOS.items()) + ')')
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
    le2i = parser.add_argument_group(
        'le2i windows', 'Le2i is written as windows cut from each video '
        '(<split>.txt: "<video> <first> <last> <label>"), the whole videos '
        'as <split>_videos.txt (for the stream evaluation)')
    le2i.add_argument('--window', type=int, default=48,
                      help='frames a window spans (default 48: 1.9 s at '
                      '25 fps)')
    le2i.add_argument('--stride', type=int, default=8,
                      help='frames between no-fall windows (default 8)')
    le2i.add_argument('--fall-stride', type=int, default=2,
                      help='frames between fall windows in the train split '
                      '(default 2; val/test use --stride / 2)')
    le2i.add_argument('--fall-cover', type=float, default=0.6,
                      help="share of the fall's frames a fall window holds "
                      '(default 0.6)')
    le2i.add_argument('--frame-cache', type=int, nargs=2, metavar=('W', 'H'),
                      help='decode each video once into frames/*.npy at '
                      'this size (e.g. 160 120), read by the window configs')
    le2i.add_argument('--scenes', nargs='+',
                      help='only these scene folders (default: all)')
    le2i.add_argument('--max-videos', type=int,
                      help='only the first N videos of each scene (a smoke '
                      'test)')
    le2i.add_argument('--verbose', action='store_true',
                      help='one line a video')
    return parser


def _convert(args: argparse.Namespace
             ) -> Tuple[List[ClipRecord], Sequence[str], List[str]]:
    """The records, the classes and the skipped videos of ``args.root``."""
    skipped: List[str] = []
    if args.dataset == 'urfall':
        records = convert_urfall(args.root, args.out, args.camera, args.fps)
        classes: Sequence[str] = FALL_CLASSES
    elif args.dataset == 'le2i':
        records, skipped = convert_le2i(
            args.root, args.out, link=not args.copy, scenes=args.scenes,
            cache_size=args.frame_cache, verbose=args.verbose,
            max_videos=args.max_videos)
        classes = FALL_CLASSES
    else:
        records, classes = convert_folders(args.root, args.out,
                                           args.classes, args.group_pattern,
                                           link=not args.copy)
    return records, classes, skipped


def _write_le2i_windows(args: argparse.Namespace,
                        splits: Dict[str, List[ClipRecord]]
                        ) -> Dict[str, Dict[str, int]]:
    """Windows to ``<split>.txt``, their counts and parameters to
    ``windows.json``; returns the counts per split."""
    eval_fall_stride = max(1, args.stride // 2)
    windows = {
        split: [(rec, win) for rec in records for win in le2i_windows(
            rec, args.window, args.stride,
            args.fall_stride if split == 'train' else eval_fall_stride,
            args.fall_cover)]
        for split, records in splits.items()}
    write_window_annotations(args.out, windows)
    counts = window_counts(windows)
    with open(osp.join(args.out, 'windows.json'), 'w') as f:
        json.dump(dict(
            window=args.window, stride=args.stride,
            fall_stride=dict(train=args.fall_stride, eval=eval_fall_stride),
            fall_cover=args.fall_cover, frame_cache=args.frame_cache,
            windows=counts), f, indent=1)
    return counts


def _run(args: argparse.Namespace) -> List[str]:
    """Convert, split, write; returns the summary lines."""
    records, classes, skipped = _convert(args)
    if args.dataset == 'le2i':
        # by video, stratified by scene and label: every split sees every
        # room, with and without a fall
        splits = split_records(records, args.ratios, args.seed,
                               stratum=lambda r: (scene_of(r), r.label))
    else:
        splits = split_records(records, args.ratios, args.seed)
    # Le2i: the lists hold windows; the whole videos go to <split>_videos
    counts = write_annotations(
        args.out, splits, classes, args.dataset,
        {k: v for k, v in vars(args).items()},
        '{split}_videos.txt' if args.dataset == 'le2i' else '{split}.txt')
    lines = [f'{args.dataset}: {len(records)} clips -> {args.out} '
             f'({", ".join(f"{s} {n}" for s, n in counts.items())}; classes '
             f'{", ".join(classes)})']
    if list(classes) == list(FALL_CLASSES):
        lines.append('  falls per split: ' + ', '.join(
            f'{s} {sum(r.label == 1 for r in rs)}'
            for s, rs in splits.items()))
    if args.dataset == 'le2i':
        lines.append('  windows (no_fall / fall): ' + ', '.join(
            f'{s} {c["no_fall"]} / {c["fall"]}'
            for s, c in _write_le2i_windows(args, splits).items()))
    if skipped:
        lines.append(f'  skipped {len(skipped)} videos without an '
                     f'annotation file, e.g. {skipped[0]}')
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Convert, split, write; print what was written, then the warnings
    (a video shorter than its annotation, an empty split...).

    Returns:
        int: 0, or 1 for input it cannot convert (no annotation found, a
        malformed file...), after one ``error:`` line on stderr naming the
        folder or file and what was looked for.
    """
    args = build_parser().parse_args(argv)
    if args.ratios is None:
        args.ratios = DEFAULT_RATIOS[args.dataset]
    lines: List[str] = []
    error: Optional[Exception] = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            lines = _run(args)
        except _INPUT_ERRORS as e:
            error = e
    for line in lines + [f'  warning: {w.message}' for w in caught]:
        print(line)
    if error is not None:
        message = ' '.join(str(error).split())
        print(f'convert_fall_dataset {args.dataset}: error: {message}',
              file=sys.stderr)
        return 1
    return 0
