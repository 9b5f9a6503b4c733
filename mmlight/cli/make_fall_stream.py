"""``tools/data/make_fall_stream.py``: a SynthFall split played back to back
as one long video, with the times of every fall (the ground truth of
``tools/demo/fall_detect.py --gt``;
:func:`mmlight.datasets.synthfall.stream.make_stream`)."""
import argparse
from typing import Optional, Sequence

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(
        description='Play a SynthFall split back to back as one long video '
        'with the times of every fall.')
    parser.add_argument('data_root', help='a SynthFall folder')
    parser.add_argument('--out', required=True, help='the stream (.mp4); '
                        'its ground truth goes to <out>.json')
    parser.add_argument('--split', default='test',
                        help="train, val, test, several joined by commas, "
                        "or all (default: test)")
    parser.add_argument('--num-clips', type=int, default=0,
                        help='clips to use (default: the whole split)')
    parser.add_argument('--seed', type=int, default=0)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Write the stream and its ground truth; print what was written.

    Returns:
        int: 0.
    """
    from mmlight.datasets.synthfall.stream import make_stream
    args = build_parser().parse_args(argv)
    truth = make_stream(args.data_root, args.out, args.split,
                        args.num_clips, args.seed)
    print(f'{args.out}: {len(truth["clips"])} clips, '
          f'{truth["duration"]:.1f} s, {len(truth["falls"])} falls; ground '
          f'truth in {args.out}.json')
    return 0
