"""Play a SynthFall split back to back as one long video with the times of
every fall (for tools/demo/fall_detect.py --gt).

Example:
    python tools/data/make_fall_stream.py data/synthfall \
        --out data/synthfall/stream_test.mp4 --split test
"""
import argparse
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # running from a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.datasets.synthfall.stream import make_stream  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('data_root', help='a SynthFall folder')
    parser.add_argument('--out', required=True, help='the stream (.mp4); '
                        'its ground truth goes to <out>.json')
    parser.add_argument('--split', default='test',
                        help="train, val, test, several joined by commas, "
                        "or all (default: test)")
    parser.add_argument('--num-clips', type=int, default=0,
                        help='clips to use (default: the whole split)')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    truth = make_stream(args.data_root, args.out, args.split,
                        args.num_clips, args.seed)
    print(f'{args.out}: {len(truth["clips"])} clips, '
          f'{truth["duration"]:.1f} s, {len(truth["falls"])} falls; ground '
          f'truth in {args.out}.json')
    return 0


if __name__ == '__main__':
    sys.exit(main())
