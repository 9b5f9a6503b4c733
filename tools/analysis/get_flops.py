"""Print the FLOPs and parameters of a config's model on one test clip.

    python tools/analysis/get_flops.py configs/fall_mbv3_baseline.py [--table]
    python tools/analysis/get_flops.py configs/fall_mbv3_prune.py \
        work_dirs/demo/pruned/best.pth

With a checkpoint the model is built and loaded as ``tools/test.py`` does
(:func:`mmlight.deployment.build_recognizer`): a pruned checkpoint's shapes
(written by ``ChannelPruningHook``) replace the config's, so the pruned
model is counted, not the unpruned one the config builds.

The input shape is read from the config's test pipeline
(:func:`mmlight.measure.complexity.infer_input_shape`) unless ``--shape``
gives it, batch included (e.g. ``--shape 1 8 3 48 64``). The recognizer runs
backbone and head (``mode='tensor'``, ``stage='head'``); one
multiply-accumulate counts as one FLOP.
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    import mmlight  # noqa: F401

from mmengine.config import DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmlight.deployment.recognizer import build_recognizer  # noqa: E402
from mmlight.utils import load_config  # noqa: E402
from mmlight.measure.complexity import (infer_input_shape,  # noqa: E402
                                      model_complexity)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        'checkpoint', nargs='?',
        help='a .pth checkpoint to count instead of the config\'s model '
        '(a pruned one counts its pruned shapes)')
    parser.add_argument(
        '--shape', type=int, nargs='+',
        help='full input shape, batch included; default: from the config')
    parser.add_argument(
        '--stage', choices=['backbone', 'neck', 'head'], default='head',
        help='count a recognizer up to this stage (default: head)')
    parser.add_argument('--table', action='store_true',
                        help='also print the per-module table')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, key=value')
    args = parser.parse_args(argv)

    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmlight'))
    shape = tuple(args.shape) if args.shape else infer_input_shape(cfg)
    model = build_recognizer(cfg, args.checkpoint)
    result = model_complexity(model, shape, stage=args.stage)
    if args.table:
        print(result['table'])
    if args.checkpoint:
        print(f'Checkpoint: {args.checkpoint}')
    print(f'Input shape: {shape}\n'
          f'GFLOPs: {result["flops"] / 1e9:.6f} '
          f'({result["flops"]:.0f} FLOPs, 1 MAC = 1 FLOP)\n'
          f'Params (M): {result["params"] / 1e6:.4f}')


if __name__ == '__main__':
    main()
