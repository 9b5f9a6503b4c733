"""``tools/analysis/get_flops.py``: the FLOPs and parameters of a config's
model on one test clip (:func:`mmlight.measure.complexity.model_complexity`).

With a checkpoint the model is built and loaded as ``tools/test.py`` does
(:func:`mmlight.deployment.build_recognizer`): a pruned checkpoint's shapes
replace the config's, so the pruned model is counted. The input shape is
read from the config's test pipeline unless ``--shape`` gives it, batch
included; one multiply-accumulate counts as one FLOP.
"""
import argparse
from typing import Optional, Sequence

from mmlight.cli.common import add_cfg_options

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(
        description='Print the FLOPs and parameters of a config\'s model on '
        'one test clip.')
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
    add_cfg_options(parser)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Count and print GFLOPs and parameters (and, with ``--table``, the
    per-module table).

    Returns:
        int: 0.
    """
    from mmengine.registry import init_default_scope

    from mmlight.deployment.recognizer import build_recognizer
    from mmlight.measure.complexity import infer_input_shape, model_complexity
    from mmlight.utils import load_config
    args = build_parser().parse_args(argv)
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
    return 0
