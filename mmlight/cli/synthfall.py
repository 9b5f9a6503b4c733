"""Command line interface of SynthFall, run as
``python -m mmlight.datasets.synthfall``, ``tools/data/synthfall.py`` or the
``mmlight-synthfall`` entry point."""
import argparse
from pathlib import Path
from typing import Optional, Sequence, Tuple

from mmlight.datasets.synthfall.generate import generate_dataset
from mmlight.datasets.synthfall.home_camera import DOMAINS

__all__ = ['build_parser', 'main']


def _size(text: str) -> Tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'--size must look like 160x120, got {text!r}')
    return w, h


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    p = argparse.ArgumentParser(
        prog='synthfall',
        description='Generate SynthFall, a procedural fall-detection video '
        'dataset with MMAction2 VideoDataset annotation files.')
    p.add_argument('--out', default='data/synthfall', help='output folder')
    p.add_argument('--num-clips', type=int, default=600,
                   help='number of clips (default 600)')
    p.add_argument('--seed', type=int, default=0, help='random seed')
    p.add_argument('--size', type=_size, default=(160, 120),
                   help='WIDTHxHEIGHT, even numbers (default 160x120)')
    p.add_argument('--num-frames', type=int, default=48,
                   help='frames per clip (default 48)')
    p.add_argument('--fps', type=float, default=15.0,
                   help='frame rate (default 15)')
    p.add_argument('--split-ratios', type=float, nargs=3,
                   default=(0.7, 0.15, 0.15), metavar=('TRAIN', 'VAL', 'TEST'),
                   help='split ratios summing to 1 (default 0.7 0.15 0.15)')
    p.add_argument('--rooms', type=int, default=0,
                   help='film in this many fixed rooms (camera mounting, '
                   'walls, floor kept per room), like real datasets shot in '
                   'a few homes; 0: every clip in a room of its own '
                   '(default 0)')
    p.add_argument('--mixed', action='store_true',
                   help='mixed resolutions (0.625-1.25x --size) and lengths '
                   '(0.75-1.5x --num-frames), drawn per clip')
    p.add_argument('--domain', choices=DOMAINS, default='plain',
                   help="'home': domain randomisation toward real home "
                   'cameras (mounted high, looking down through a wide '
                   'lens at a small person; night vision, a soft sensor, '
                   "compression blocks) (default 'plain')")
    p.add_argument('--workers', type=int, default=1,
                   help='worker processes (default 1)')
    p.add_argument('--contact-sheet', nargs='?', const='', default=None,
                   metavar='PATH', help='also write a contact sheet PNG '
                   '(default path <out>/contact_sheet.png)')
    p.add_argument('--overwrite', action='store_true',
                   help='replace a dataset already in --out')
    p.add_argument('--no-progress', action='store_true',
                   help='hide the progress bar')
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Generates a dataset from command line arguments, prints a summary.

    Args:
        argv (Sequence[str], optional): Arguments; ``sys.argv[1:]`` if None.

    Returns:
        int: Exit status 0; argument errors exit with status 2.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    sheet = args.contact_sheet
    if sheet == '':
        sheet = str(Path(args.out) / 'contact_sheet.png')
    try:
        s = generate_dataset(
            args.out, args.num_clips, args.seed, *args.size,
            args.num_frames, args.fps, tuple(args.split_ratios),
            rooms=args.rooms, mixed=args.mixed, domain=args.domain,
            workers=args.workers,
            contact_sheet=sheet,
            overwrite=args.overwrite, progress=not args.no_progress)
    except FileExistsError:
        # the API's message names overwrite=True; here it is a flag
        parser.error(f'--out {args.out} already holds a dataset '
                     '(meta.json); add --overwrite to replace it')
    except ValueError as e:
        parser.error(str(e))
    print(f"SynthFall: {s['clips']} clips in {s['seconds']:.1f} s "
          f"({s['clips_per_s']:.1f} clips/s, {s['workers']} worker(s)) "
          f"-> {s['out_dir']}")
    for key in ('splits', 'classes'):
        counts = ', '.join(f'{k} {v}' for k, v in s[key].items())
        print(f'  {key}: {counts}')
    if s['contact_sheet']:
        print(f"  contact sheet: {s['contact_sheet']}")
    return 0
