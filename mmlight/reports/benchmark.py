"""Compare architectures on one SynthFall split: cost and accuracy.

The logic behind ``tools/analysis/benchmark_models.py``: for each config,
train it (or find its checkpoint), test it, and measure its parameters,
FLOPs per clip, CPU throughput at batch 1 and peak inference memory; then
one markdown table. Training and testing run the standard
``tools/train.py`` / ``tools/test.py`` in child processes, as a user would.
"""
import glob
import json
import os
import os.path as osp
import sys
import traceback
from typing import Any, Dict, List, Optional, Sequence

import torch
from torch import nn

from mmlight.measure.complexity import (TensorForward, infer_input_shape,
                                        model_complexity)
from mmlight.measure.runtime import (CPU_MEMORY_METHOD, CUDA_MEMORY_METHOD,
                                     peak_memory, time_calls)
from mmlight.reports.accuracy import fall_metrics, load_predictions
from mmlight.reports.common import (failed_section, format_cell,
                                    load_tensor_forward, parse_cfg_options,
                                    row_name, run_tool, table_head,
                                    table_row, without_nan)


__all__ = [
    'data_root_options', 'with_data_root', 'find_checkpoint',
    'load_classes', 'measure_throughput', 'measure_peak_memory',
    'build_train_command', 'build_test_command', 'benchmark_config',
    'format_table', 'write_json', 'MEASUREMENT_NOTES'
]

MEASUREMENT_NOTES = (
    'params: every parameter of the model. GFLOPs/clip: one test clip at '
    'batch 1 (the 2D model\'s segments, or one view of the 3D model), '
    'backbone and head, one multiply-accumulate = one FLOP (MMEngine / '
    'fvcore counter; operators it does not know count zero). CPU clips/s: '
    "batch-1 `model(x, mode='tensor', stage='head')` (backbone and head) "
    'under `torch.inference_mode()`, '
    'random input, after warm-up, mean over >= {min_iters} iterations and '
    '>= {min_seconds:g} s. peak mem ({device}): {memory}. top-1, fall '
    'recall, hard-neg acc: the test split, best validation checkpoint; '
    'hard-neg acc is the fall / no-fall accuracy on the clips that are '
    'falls or lie_down.')

def data_root_options(data_root: str,
                      splits: Sequence[str] = ('train', 'val', 'test'),
                      batch_size: Optional[int] = None,
                      num_workers: Optional[int] = None) -> List[str]:
    """``--cfg-options`` that point a SynthFall config at ``data_root``.

    ``configs/_base_/datasets/synthfall.py`` derives the annotation files
    and the video prefix from ``data_root``, so each dataloader's are set.

    Args:
        data_root (str): A SynthFall folder (``train.txt``, ``val.txt``,
            ``test.txt`` and the videos).
        splits (Sequence[str]): The dataloaders to point there. Defaults to
            train, val and test.
        batch_size (int, optional): Also set their batch size. Defaults to
            None (the config's).
        num_workers (int, optional): Also set their worker processes (and
            ``persistent_workers`` to whether there are any). Defaults to
            None (the config's).

    Returns:
        list[str]: ``key=value`` strings for ``--cfg-options``.
    """
    opts = []
    for split in splits:
        loader = f'{split}_dataloader'
        opts += [
            f'{loader}.dataset.ann_file={osp.join(data_root, split + ".txt")}',
            f'{loader}.dataset.data_prefix.video={data_root}'
        ]
        if batch_size is not None:
            opts.append(f'{loader}.batch_size={batch_size}')
        if num_workers is not None:
            opts += [f'{loader}.num_workers={num_workers}',
                     f'{loader}.persistent_workers={num_workers > 0}']
    return opts


def with_data_root(cfg_options: Sequence[str],
                   data_root: Optional[str] = None) -> List[str]:
    """``cfg_options`` after the :func:`data_root_options` of
    ``data_root`` (made absolute), so that they can override them; as they
    are without a data root."""
    options = list(cfg_options)
    if data_root is None:
        return options
    return data_root_options(osp.abspath(data_root)) + options


def find_checkpoint(work_dir: str) -> str:
    """The newest ``best_*.pth`` in a work directory.

    Args:
        work_dir (str): A training run's work directory.

    Returns:
        str: Path of the most recently modified ``best_*.pth``.

    Raises:
        FileNotFoundError: The directory does not exist or holds no
            ``best_*.pth``; the message names the directory.
    """
    if not osp.isdir(work_dir):
        raise FileNotFoundError(
            f'no checkpoint: work directory {work_dir} does not exist')
    found = glob.glob(osp.join(work_dir, 'best_*.pth'))
    if not found:
        raise FileNotFoundError(f'no best_*.pth checkpoint in {work_dir}')
    return max(found, key=lambda p: (osp.getmtime(p), p))


def load_classes(cfg: Any, data_root: Optional[str] = None) -> List[str]:
    """Class names in label order.

    Args:
        cfg (Config | dict): The config; its ``classes`` are the fallback.
        data_root (str, optional): A SynthFall folder; its ``classes.txt``
            (one name a line) wins when it exists. Defaults to None.

    Returns:
        list[str]: The class names.
    """
    if data_root is not None:
        path = osp.join(data_root, 'classes.txt')
        if osp.isfile(path):
            with open(path) as f:
                return [line.strip() for line in f if line.strip()]
    if cfg.get('classes'):
        return list(cfg['classes'])
    raise ValueError('no class names: neither <data_root>/classes.txt nor '
                     '`classes` in the config')


def measure_throughput(model: nn.Module, input_shape: Sequence[int],
                       threads: int = 2, min_iters: int = 20,
                       min_seconds: float = 2.0,
                       warmup: int = 3) -> float:
    """Clips per second of CPU inference of a recognizer.

    The model runs in eval mode (restored afterwards) through
    :class:`~mmlight.measure.complexity.TensorForward` (a recognizer:
    ``model(x, mode='tensor', stage='head')``) under
    ``torch.inference_mode()`` on one random input, timed by
    :func:`~mmlight.measure.runtime.time_calls`.

    Args:
        model (nn.Module): The model, on the CPU.
        input_shape (Sequence[int]): The input, batch included, e.g.
            (1, 8, 3, 48, 64).
        threads (int): Intra-op CPU threads. Defaults to 2.
        min_iters (int): At least this many timed calls. Defaults to 20.
        min_seconds (float): At least this long. Defaults to 2.0.
        warmup (int): Untimed calls first. Defaults to 3.

    Returns:
        float: Clips (batch size x calls) per second of wall time.
    """
    was_training = model.training
    forward = TensorForward(model).eval()
    try:
        with torch.inference_mode():
            calls = time_calls(forward, torch.randn(tuple(input_shape)),
                               threads, min_iters, min_seconds, warmup)
    finally:
        model.train(was_training)
    return calls * int(input_shape[0])


def measure_peak_memory(model_cfg: dict, input_shape: Sequence[int],
                        device: str = 'cpu', threads: int = 2,
                        scope: str = 'mmlight') -> float:
    """Peak memory of building a model and one forward, in MB.

    :func:`~mmlight.measure.runtime.peak_memory` of building the model
    from ``model_cfg`` in a fresh process
    (:func:`~mmlight.reports.common.load_tensor_forward`) and running it
    once on a random input of ``input_shape``.

    Args:
        model_cfg (dict): The config's ``model``.
        input_shape (Sequence[int]): Input of one clip, batch included.
        device (str): ``'cpu'`` or ``'cuda'``. Defaults to ``'cpu'``.
        threads (int): Intra-op CPU threads in the child. Defaults to 2.
        scope (str): Default registry scope. Defaults to ``'mmlight'``.

    Returns:
        float: Peak memory in MB (2**20 bytes).
    """
    if hasattr(model_cfg, 'to_dict'):
        model_cfg = model_cfg.to_dict()
    return peak_memory(load_tensor_forward,
                       (dict(model=model_cfg, default_scope=scope), None),
                       input_shape, device, threads)


def _tools_command(tools_dir: str, tool: str, config: str,
                   *args: str) -> List[str]:
    return [sys.executable, osp.join(tools_dir, tool), config, *args]


def build_train_command(config: str, work_dir: str, tools_dir: str,
                        epochs: Optional[int] = None,
                        cfg_options: Sequence[str] = ()) -> List[str]:
    """The ``tools/train.py`` command line of one benchmark run.

    Args:
        config (str): The config file.
        work_dir (str): Its work directory.
        tools_dir (str): The folder of ``train.py`` and ``test.py``.
        epochs (int, optional): ``--epochs``. Defaults to the config's.
        cfg_options (Sequence[str]): ``key=value`` overrides.

    Returns:
        list[str]: The argv, starting with ``sys.executable``.
    """
    args = ['--work-dir', work_dir]
    if epochs is not None:
        args += ['--epochs', str(epochs)]
    if cfg_options:
        args += ['--cfg-options', *cfg_options]
    return _tools_command(tools_dir, 'train.py', config, *args)


def build_test_command(config: str, checkpoint: str, work_dir: str,
                       dump: str, tools_dir: str,
                       cfg_options: Sequence[str] = ()) -> List[str]:
    """The ``tools/test.py ... --dump`` command line of one benchmark run.

    Args:
        config (str): The config file.
        checkpoint (str): The checkpoint to test.
        work_dir (str): Its work directory.
        dump (str): Where the predictions go (``.pkl``).
        tools_dir (str): The folder of ``train.py`` and ``test.py``.
        cfg_options (Sequence[str]): ``key=value`` overrides.

    Returns:
        list[str]: The argv, starting with ``sys.executable``.
    """
    args = [checkpoint, '--work-dir', work_dir, '--dump', dump]
    if cfg_options:
        args += ['--cfg-options', *cfg_options]
    return _tools_command(tools_dir, 'test.py', config, *args)


def benchmark_config(config: str, work_dir: str, tools_dir: str,
                     data_root: Optional[str] = None,
                     epochs: Optional[int] = None, skip_train: bool = False,
                     threads: int = 2, device: str = 'cpu',
                     min_iters: int = 20, min_seconds: float = 2.0,
                     cfg_options: Sequence[str] = ()) -> Dict[str, Any]:
    """Measure and evaluate one config; never raises.

    Cost first (params, FLOPs, throughput, memory: no data needed), then
    ``W/NAME/best_*.pth`` is trained unless it exists (``tools/train.py``),
    and tested (``tools/test.py --dump W/NAME/test_preds.pkl``).

    Args:
        config (str): The config file; its stem names the row.
        work_dir (str): The benchmark's folder; this run's is
            ``work_dir/NAME``.
        tools_dir (str): The folder of ``train.py`` and ``test.py``.
        data_root (str, optional): A SynthFall folder that replaces the
            config's. Defaults to None.
        epochs (int, optional): Train this many epochs. Defaults to the
            config's.
        skip_train (bool): Never train; a missing checkpoint is an error.
            Defaults to False.
        threads (int): CPU threads for throughput and memory. Defaults to 2.
        device (str): Where peak memory is measured: ``'cpu'`` or
            ``'cuda'``. Defaults to ``'cpu'``.
        min_iters (int): See :func:`measure_throughput`. Defaults to 20.
        min_seconds (float): See :func:`measure_throughput`. Defaults to
            2.0.
        cfg_options (Sequence[str]): More ``key=value`` overrides, for the
            built model and for training and testing.

    Returns:
        dict: ``name``, ``config``, ``input_shape``, ``params``, ``flops``,
        ``clips_per_s``, ``threads``, ``peak_mem_mb``, ``device``,
        ``checkpoint``, ``metrics`` (:func:`fall_metrics`), ``top1``,
        ``fall_recall``, ``hard_negative_acc`` (fractions) and ``error``
        (None, or the first failure; what came before it is kept).
    """
    from mmlight.deployment.recognizer import build_recognizer
    from mmlight.utils import load_config
    name = osp.splitext(osp.basename(config))[0]
    run_dir = osp.join(work_dir, name)
    row: Dict[str, Any] = dict(
        name=name, config=config, input_shape=None, params=None, flops=None,
        clips_per_s=None, threads=threads, peak_mem_mb=None, device=device,
        checkpoint=None, metrics=None, top1=None, fall_recall=None,
        hard_negative_acc=None, error=None)
    options = with_data_root(cfg_options, data_root)
    try:
        cfg = load_config(config,
                          parse_cfg_options(options) if options else None)
        scope = cfg.get('default_scope', 'mmlight')
        shape = infer_input_shape(cfg)
        row['input_shape'] = list(shape)
        model = build_recognizer(cfg)
        cost = model_complexity(model, shape)
        row['params'], row['flops'] = cost['params'], cost['flops']
        row['clips_per_s'] = measure_throughput(model, shape, threads,
                                                min_iters, min_seconds)
        del model
        row['peak_mem_mb'] = measure_peak_memory(
            cfg.model, shape, device, threads, scope)

        if skip_train:
            checkpoint = find_checkpoint(run_dir)
        else:
            try:
                checkpoint = find_checkpoint(run_dir)
            except FileNotFoundError:
                run_tool(build_train_command(config, run_dir, tools_dir,
                                             epochs, options),
                         osp.join(run_dir, 'train.log'))
                checkpoint = find_checkpoint(run_dir)
        row['checkpoint'] = checkpoint
        dump = osp.join(run_dir, 'test_preds.pkl')
        run_tool(build_test_command(config, checkpoint, run_dir, dump,
                                    tools_dir, options),
                 osp.join(run_dir, 'test.log'))
        gt, pred = load_predictions(dump)
        metrics = fall_metrics(gt, pred, load_classes(cfg, data_root))
        row['metrics'] = metrics
        for key in ('top1', 'fall_recall', 'hard_negative_acc'):
            row[key] = metrics[key]
    except Exception as e:  # one config must not end the benchmark
        row['error'] = f'{type(e).__name__}: {e}'
        print(f'[{name}] failed:\n{traceback.format_exc()}', file=sys.stderr)
    return row


def format_table(rows: Sequence[Dict[str, Any]], threads: int = 2,
                 device: str = 'cpu', min_iters: int = 20,
                 min_seconds: float = 2.0) -> str:
    """The benchmark as a markdown table with a footer on the measurements.

    Args:
        rows (Sequence[dict]): :func:`benchmark_config` results; missing
            values print ``n/a``, a failed row is marked and its error
            listed under the table.
        threads (int): CPU threads of the throughput column. Defaults to 2.
        device (str): Where peak memory was measured. Defaults to
            ``'cpu'``.
        min_iters (int): As in :func:`measure_throughput`. Defaults to 20.
        min_seconds (float): As in :func:`measure_throughput`. Defaults to
            2.0.

    Returns:
        str: The table, a blank line, notes, and failures if any.
    """
    head = ['model', 'params (M)', 'GFLOPs/clip',
            f'CPU clips/s (bs1, {threads} threads)',
            f'peak mem (MB, {device})', 'top-1 (%)', 'fall recall (%)',
            'hard-neg acc (%)']
    lines = table_head(head)
    errors: List[str] = []
    for row in rows:
        cells = [
            row_name(row, errors),
            format_cell(row.get('params'), '.3f', 1e-6),
            format_cell(row.get('flops'), '.4f', 1e-9),
            format_cell(row.get('clips_per_s'), '.1f'),
            format_cell(row.get('peak_mem_mb'), '.1f'),
            format_cell(row.get('top1'), '.1f', 100),
            format_cell(row.get('fall_recall'), '.1f', 100),
            format_cell(row.get('hard_negative_acc'), '.1f', 100),
        ]
        lines.append(table_row(cells))
    memory = CUDA_MEMORY_METHOD if device == 'cuda' else CPU_MEMORY_METHOD
    lines += ['', MEASUREMENT_NOTES.format(
        min_iters=min_iters, min_seconds=min_seconds, device=device,
        memory=memory)]
    lines += failed_section(errors)
    return '\n'.join(lines)


def write_json(rows: Sequence[Dict[str, Any]], path: str) -> None:
    """All raw numbers of the benchmark (NaN written as null)."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump([without_nan(dict(row)) for row in rows], f, indent=2)
