"""``tools/analysis/compression_report.py`` (``make compress``): FP32
student -> pruned -> INT8 (PyTorch) -> INT8 (ONNX Runtime), built and
measured side by side in one run (:mod:`mmlight.reports.compression`).

The deployable files go to ``--work-dir`` (INT8 is made from the pruned
model, calibrated on the val split); size, params, GFLOPs, CPU clips/s,
peak memory and test accuracy are printed as a markdown table.
"""
import argparse
import json
import os.path as osp
from typing import Optional, Sequence

from mmlight.cli.common import add_cfg_options
from mmlight.reports.benchmark import data_root_options, load_classes
from mmlight.reports.common import parse_cfg_options
from mmlight.reports.compression import (build_compressed_models,
                                         format_compression_table,
                                         measure_compressed_models)
from mmlight.utils import load_config

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(
        description='The compression report: FP32 student -> pruned -> INT8 '
        '(PyTorch) -> INT8 (ONNX Runtime), measured side by side in one '
        'run.')
    parser.add_argument('config', help='the FP32 student\'s config')
    parser.add_argument('checkpoint', help='the FP32 student\'s checkpoint')
    parser.add_argument('--pruned', nargs=2, metavar=('CONFIG', 'CKPT'),
                        help='the pruning config and the pruned, '
                        'fine-tuned checkpoint (INT8 is made from it)')
    parser.add_argument('--unstructured', nargs=2,
                        metavar=('CONFIG', 'CKPT'),
                        help='also an unstructured-pruning config and its '
                        'fine-tuned checkpoint (zeros, same shapes)')
    parser.add_argument('--work-dir', required=True,
                        help='the compressed files go here')
    parser.add_argument('--data-root',
                        help='SynthFall folder replacing the configs\' one')
    parser.add_argument('--calib-batches', type=int, default=16,
                        help='val batches for INT8 calibration')
    parser.add_argument('--threads', type=int, default=2,
                        help='CPU threads of every model (default: 2)')
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 8])
    parser.add_argument('--rounds', type=int, default=3,
                        help='interleaved timing rounds (median kept)')
    parser.add_argument('--no-onnx', action='store_true',
                        help='PyTorch rows only')
    parser.add_argument('--int8-runtime', choices=['inductor', 'reference'],
                        default='inductor',
                        help='how .pt2 INT8 programs run: compiled by '
                        'inductor (default) or their q/dq ops as they are '
                        '(reference, for debugging)')
    parser.add_argument('--no-memory', action='store_true',
                        help='skip peak memory (a fresh process a model)')
    parser.add_argument('--max-test-batches', type=int,
                        help='evaluate on this many test batches only')
    add_cfg_options(parser, 'key=value overrides for both configs',
                    as_dict=False)
    parser.add_argument('--out', help='also write the table here')
    parser.add_argument('--json', help='write all raw numbers here')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Build the compressed files, measure them, print the table (and
    write ``--out``, ``--json``).

    Returns:
        int: 0.
    """
    args = build_parser().parse_args(argv)
    options = list(args.cfg_options)
    if args.data_root:
        options = data_root_options(osp.abspath(args.data_root)) + options
    options = parse_cfg_options(options)
    cfg = load_config(args.config, options)
    pruned_cfg = pruned_ckpt = None
    if args.pruned:
        pruned_cfg = load_config(args.pruned[0], options)
        pruned_ckpt = args.pruned[1]
    sparse_cfg = sparse_ckpt = None
    if args.unstructured:
        sparse_cfg = load_config(args.unstructured[0], options)
        sparse_ckpt = args.unstructured[1]
    specs = build_compressed_models(
        cfg, args.checkpoint, args.work_dir, pruned_cfg, pruned_ckpt,
        calib_batches=args.calib_batches, onnx=not args.no_onnx,
        unstructured_cfg=sparse_cfg, unstructured_ckpt=sparse_ckpt)
    rows = measure_compressed_models(
        specs, cfg, load_classes(cfg, args.data_root), threads=args.threads,
        batch_sizes=args.batch_sizes, rounds=args.rounds,
        memory=not args.no_memory, max_test_batches=args.max_test_batches,
        int8_runtime=args.int8_runtime)
    table = format_compression_table(rows, args.threads)
    print(table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=2, default=str)
    return 0
