"""Run a teacher once over a dataset and save its logits per video.

    python tools/analysis/cache_teacher_logits.py \
        configs/fall_slowonly_r18_teacher.py work_dirs/demo/teacher/best.pth \
        --out work_dirs/demo/teacher/train_logits.pth [--split train]

`VideoDistill(teacher_logits=...)` then never runs the teacher. The teacher
sees its deterministic test view of each clip (the config's test pipeline
applied to the chosen split's annotation file).
"""
import argparse
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.models.utils.teacher_cache import cache_teacher_logits  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the teacher config')
    parser.add_argument('checkpoint', help='the teacher checkpoint')
    parser.add_argument('--out', required=True, help='logits file to write')
    parser.add_argument('--split', default='train', choices=['train', 'val',
                                                              'test'],
                        help="whose annotation file (default: 'train')")
    parser.add_argument('--device', default='cpu', help="e.g. 'cuda'")
    args = parser.parse_args()
    n = cache_teacher_logits(args.config, args.checkpoint, args.out,
                             args.split, args.device)
    print(f'{args.out}: logits of {n} videos')


if __name__ == '__main__':
    main()
