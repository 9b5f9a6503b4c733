"""The headline table: the teacher and every light model, measured side by
side in one run on what an edge deployment cares about.

The logic behind ``tools/benchmark.py``. Each row is a model given as
``NAME=CONFIG[,FILE]``, where ``FILE`` is a ``.pth`` checkpoint (a PyTorch
recognizer, pruned shapes included), an INT8 ``.pt2`` program (PTQ/QAT) or
an ``.onnx`` file (ONNX Runtime, FP32 or static INT8 QDQ); without a file
the model is measured with its initial weights and has no accuracy. Per
row:

* size on disk: the ``.pt2``/``.onnx`` file, or the model's weights alone
  (``state_dict`` saved with ``torch.save``: what a device stores, without
  the optimizer state a training checkpoint also holds);
* params and GFLOPs per clip (PyTorch rows);
* peak inference memory (batch 1) and peak training memory (one training
  step at a given batch; PyTorch rows), each in a fresh process
  (:mod:`mmlight.measure.runtime`);
* CPU clips/s at batch 1 (and latency) and the best clips/s over a few
  batch sizes (max throughput);
* on the test split, each row through its own config's test pipeline
  (:func:`~mmlight.deployment.ort_inference.evaluate_backends`): fall /
  no-fall accuracy (the headline figure of a fall detector), fall recall,
  the lie-down-vs-fall accuracy (the falls and the clips that end in the
  same pose slowly) and 7-class top-1.

:func:`format_ratio_table` divides the reference row (the teacher) by each
light row and checks :data:`TARGETS`: >= 10x smaller, >= 3x less peak
training memory, >= 5x the clips/s at batch 1, at most 1.5 points of fall /
no-fall accuracy lost, and the light model's own fall / no-fall accuracy,
fall recall and lie-down-vs-fall accuracy >= 95%, top-1 >= 85%. An INT8
file is not trained: its training memory is that of the PyTorch row of the
same config, the model it was quantized from.
"""
import functools
import os
import os.path as osp
import sys
import traceback
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from mmlight.measure.runtime import (CPU_MEMORY_METHOD,
                                     CPU_TRAIN_MEMORY_METHOD,
                                     CUDA_MEMORY_METHOD,
                                     CUDA_TRAIN_MEMORY_METHOD, peak_memory,
                                     peak_training_memory, time_interleaved)
from mmlight.reports.accuracy import fall_metrics
from mmlight.reports.benchmark import write_json as write_rows
from mmlight.reports.common import (failed_section, format_cell,
                                    format_times, load_pt2_forward,
                                    load_recognizer, load_tensor_forward,
                                    plain_cfg, ratio, row_name, table_head,
                                    table_row)
from mmlight.reports.training_memory import recognizer_train_step

__all__ = [
    'ModelEntry', 'parse_entry', 'measure_entry',
    'time_entries', 'format_edge_table', 'format_ratio_table',
    'plot_edge_benchmark', 'write_rows', 'write_text', 'output_path',
    'training_source', 'TARGETS', 'ACCURACY_KEYS'
]

#: The targets, reference (teacher) : light model: factors (``size``,
#: ``train_memory``, ``fps``), points of fall / no-fall accuracy lost
#: (``accuracy_drop``) and the light model's own accuracies (fractions).
TARGETS = dict(size=10.0, train_memory=3.0, fps=5.0, accuracy_drop=1.5,
               fall_accuracy=0.95, fall_recall=0.95, hard_negative_acc=0.95,
               top1=0.85)
#: The accuracy figures of a row, in the tables' order.
ACCURACY_KEYS = ('fall_accuracy', 'fall_recall', 'hard_negative_acc',
                 'top1')

_KINDS = {'.pth': 'torch', '.pt2': 'pt2', '.onnx': 'onnx',
          '.xml': 'openvino'}


class ModelEntry(dict):
    """One row: ``name``, ``config``, ``file`` (None or a path) and
    ``kind`` (``'torch'``, ``'pt2'``, ``'onnx'`` or ``'openvino'``)."""


def parse_entry(text: str) -> ModelEntry:
    """Read ``NAME=CONFIG[,FILE]``.

    Args:
        text (str): E.g. ``'teacher=configs/fall_shufflenetv2_tsm.py,``
            ``work_dirs/demo/teacher/best.pth'``.

    Returns:
        ModelEntry: The row to measure.

    Raises:
        ValueError: Not of that form, or a file type other than ``.pth``,
            ``.pt2``, ``.onnx`` and ``.xml`` (OpenVINO IR); the message
            quotes the entry.
    """
    name, sep, rest = text.partition('=')
    parts = rest.split(',') if sep else []
    if not sep or not name or not parts[0] or len(parts) > 2 \
            or (len(parts) == 2 and not parts[1]):
        raise ValueError(f'model entry {text!r}: expected NAME=CONFIG or '
                         'NAME=CONFIG,FILE (FILE a .pth, .pt2, .onnx or '
                         'OpenVINO .xml)')
    file = parts[1] if len(parts) == 2 else None
    kind = 'torch'
    if file is not None:
        ext = osp.splitext(file)[1].lower()
        if ext not in _KINDS:
            raise ValueError(f'model entry {text!r}: {file} is not a .pth, '
                             '.pt2, .onnx or OpenVINO .xml file')
        kind = _KINDS[ext]
    return ModelEntry(name=name, config=parts[0], file=file, kind=kind)


def output_path(path: Optional[str], work_dir: str) -> Optional[str]:
    """Where an output named on the command line goes: a relative
    ``path`` under ``work_dir`` (the benchmark's folder), unless it already
    starts with ``work_dir``; an absolute one (``~`` expanded) as it is.

    Examples:
        >>> output_path('table.md', 'w/bench'), output_path('/t.md', 'w')
        ('w/bench/table.md', '/t.md')
        >>> output_path('w/bench/plot.png', 'w/bench')  # a Makefile's
        'w/bench/plot.png'
    """
    if path is None:
        return None
    path = osp.expanduser(path)
    inside = osp.normpath(path).startswith(
        osp.join(osp.normpath(work_dir), ''))
    return path if osp.isabs(path) or inside else osp.join(work_dir, path)


def write_text(path: str, text: str) -> None:
    """Write a table to ``path`` (folders created), newline-terminated."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text + '\n')


# ------------------------------------------------- fresh-process loaders
def _load_forward(kind: str, cfg_dict: dict, file: Optional[str],
                  threads: int, int8_runtime: str = 'inductor') -> Callable:
    """Array in, logits out, for :func:`~mmlight.measure.runtime.
    peak_memory` and the timers; a ``.pt2`` runs on ``int8_runtime``."""
    from mmlight.deployment.recognizer import torch_backend
    if kind == 'torch':
        return torch_backend(load_recognizer(cfg_dict, file))
    if kind == 'pt2':
        return load_pt2_forward(file, int8_runtime)
    from mmlight.deployment.ort_inference import deployed_runner
    return deployed_runner(file, threads)


# ---------------------------------------------------------------- measure
def _weights_size_mb(model: nn.Module, path: str) -> float:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    torch.save(model.state_dict(), path)
    return osp.getsize(path) / 2**20


def _entry_config(entry: ModelEntry, data_root: Optional[str],
                  cfg_options: Optional[Dict[str, Any]]) -> tuple:
    """``entry``'s config with the data root and overrides: the Config,
    its plain-dict form (picklable, for fresh processes) and the input
    shape ``(1, ...)``."""
    from mmlight.measure.complexity import infer_input_shape
    from mmlight.reports.benchmark import with_data_root
    from mmlight.reports.common import parse_cfg_options
    from mmlight.utils import load_config
    from mmlight.utils.config import ensure_default_scope
    cfg = load_config(entry['config'],
                      parse_cfg_options(with_data_root((), data_root)))
    if cfg_options:  # after the data root's, as the command line gives them
        cfg.merge_from_dict(cfg_options)
    ensure_default_scope(cfg)
    return cfg, plain_cfg(cfg), tuple(infer_input_shape(cfg))


def _set_compile_s(row: Dict[str, Any], forward: Callable) -> None:
    """A compiled INT8 program's first-call seconds, by batch size."""
    compile_s = getattr(getattr(forward, 'program', None), 'compile_s', None)
    if compile_s:
        row['compile_s'] = {shape[0]: s for shape, s in compile_s.items()}


def _set_speed(row: Dict[str, Any], speed: Dict[int, float]) -> None:
    row['clips_per_s'] = dict(speed)
    row['latency_ms'] = 1000.0 / speed[1]
    row['max_batch'], row['max_clips_per_s'] = max(
        speed.items(), key=lambda item: item[1])


def measure_entry(entry: ModelEntry, work_dir: str,
                  data_root: Optional[str] = None,
                  cfg_options: Optional[Dict[str, Any]] = None,
                  classes: Optional[Sequence[str]] = None,
                  threads: int = 2, device: str = 'cpu',
                  batch_sizes: Sequence[int] = (1, 8, 32),
                  train_batch: int = 8, train_steps: int = 3,
                  min_iters: int = 10, min_seconds: float = 1.0,
                  memory: bool = True, accuracy: bool = True,
                  timing: bool = True,
                  max_test_batches: Optional[int] = None,
                  int8_runtime: str = 'inductor',
                  train_memory: bool = True,
                  keep: Optional[Dict[str, Callable]] = None
                  ) -> Dict[str, Any]:
    """Measure one model; never raises (a failure is the row's ``error``,
    what was measured before it is kept).

    Args:
        entry (ModelEntry): The row (:func:`parse_entry`).
        work_dir (str): Where its weights-only file goes
            (``work_dir/NAME.weights.pth``).
        data_root (str, optional): A SynthFall folder replacing the
            config's. Defaults to None.
        cfg_options (dict, optional): More overrides
            (``Config.merge_from_dict``). Defaults to None.
        classes (Sequence[str], optional): Class names for the fall
            figures; None reads ``data_root/classes.txt`` or the config's
            ``classes``. Defaults to None.
        threads (int): CPU threads of every measurement (torch intra-op,
            ONNX Runtime's). Defaults to 2.
        device (str): Where peak memory is measured, ``'cpu'`` or
            ``'cuda'``. Clips/s is always CPU. Defaults to ``'cpu'``.
        batch_sizes (Sequence[int]): Batch sizes timed; batch 1 must be
            one of them. Defaults to (1, 8, 32).
        train_batch (int): Batch of the training-memory step. Defaults
            to 8.
        train_steps (int): Training steps measured. Defaults to 3.
        min_iters (int): Timed calls per batch size, at least. Defaults
            to 10.
        min_seconds (float): Timed seconds per batch size, at least.
            Defaults to 1.0.
        memory (bool): Measure the peak memories. Defaults to True.
        accuracy (bool): Evaluate on the test split (needs a file).
            Defaults to True.
        timing (bool): Time it here, once. Off when several models are
            timed side by side in interleaved rounds (:func:`time_entries`).
            Defaults to True.
        max_test_batches (int, optional): Evaluate on this many batches
            only. Defaults to None (all).
        int8_runtime (str): How a ``.pt2`` runs: ``'inductor'``
            (compiled) or ``'reference'`` (see
            :mod:`mmlight.compression.quantization.int8_runtime`). Defaults to
            ``'inductor'``.
        train_memory (bool): With ``memory``, also the peak training
            memory of a PyTorch row. Defaults to True.
        keep (dict, optional): Where a compiled INT8 program's forward is
            kept, by row name, for :func:`time_entries` (``loaded``): the
            graphs it compiled here are not compiled again. Defaults to
            None.

    Returns:
        dict: ``name``, ``config``, ``file``, ``kind``, ``trained``,
        ``input_shape``,
        ``size_mb``, ``params``, ``flops``, ``peak_infer_mb``,
        ``peak_train_mb``, ``train_batch``, ``train_s_per_step``,
        ``clips_per_s`` ({batch: clips/s}), ``max_clips_per_s``,
        ``max_batch``, ``latency_ms`` (batch 1), ``fall_accuracy``,
        ``fall_recall``, ``hard_negative_acc``, ``top1``, ``int8_runtime`` and
        ``error``; a compiled program adds ``compile_s`` ({batch: first-call
        seconds}) when it is timed.
    """
    from mmlight.reports.benchmark import load_classes
    from mmlight.measure.complexity import model_complexity
    if 1 not in batch_sizes:
        raise ValueError(f'batch_sizes must include 1, got {batch_sizes}')
    name, kind, file = entry['name'], entry['kind'], entry['file']
    row: Dict[str, Any] = dict(
        name=name, config=entry['config'], file=file, kind=kind,
        trained=file is not None and not entry.get('untrained'),
        size_mb=None, params=None, flops=None,
        peak_infer_mb=None, peak_train_mb=None, train_batch=train_batch,
        train_s_per_step=None, clips_per_s={}, max_clips_per_s=None,
        max_batch=None, latency_ms=None, fall_accuracy=None,
        fall_recall=None, hard_negative_acc=None, top1=None,
        threads=threads, device=device,
        int8_runtime=int8_runtime if kind == 'pt2' else None, error=None)
    try:
        if file is not None and not osp.isfile(file):
            raise FileNotFoundError(f'{name}: model file {file} does not '
                                    'exist')
        cfg, cfg_dict, shape = _entry_config(entry, data_root, cfg_options)
        row['input_shape'] = shape
        # The PyTorch model: the row itself, or (INT8 files) its config's
        # network, for the data preprocessor and the head's average_clip.
        model = load_recognizer(cfg_dict, file if kind == 'torch' else None)
        if kind == 'torch':
            cost = model_complexity(model, shape)
            row['params'], row['flops'] = cost['params'], cost['flops']
            row['size_mb'] = _weights_size_mb(
                model, osp.join(work_dir, f'{name}.weights.pth'))
        else:
            from mmlight.deployment.ort_inference import file_size_mb
            row['size_mb'] = file_size_mb(file)

        # One forward serves the timing and the test pass: a PyTorch row
        # reuses the model built above instead of loading it again.
        if kind == 'torch':
            from mmlight.deployment.recognizer import torch_backend
            forward = torch_backend(model)
        else:
            forward = _load_forward(kind, cfg_dict, file, threads,
                                    int8_runtime)
            if keep is not None and kind == 'pt2':
                keep[name] = forward
        if timing:
            _set_speed(row, time_interleaved(
                {name: lambda: forward}, {name: shape[1:]}, batch_sizes, 1,
                threads, min_iters, min_seconds)[name])
            _set_compile_s(row, forward)

        if memory:
            if kind == 'torch' and device == 'cuda':
                row['peak_infer_mb'] = peak_memory(
                    load_tensor_forward, (cfg_dict, file), shape, device,
                    threads)
            else:  # INT8 files run on the CPU
                row['peak_infer_mb'] = peak_memory(
                    _load_forward, (kind, cfg_dict, file, threads,
                                    int8_runtime), shape,
                    'cpu', threads, numpy_input=True)
            if kind == 'torch' and train_memory:
                row['peak_train_mb'], row['train_s_per_step'] = \
                    peak_training_memory(
                        recognizer_train_step,
                        (cfg_dict, file, train_batch), device, threads,
                        train_steps)

        if accuracy and file is not None:
            from mmlight.deployment.ort_inference import evaluate_backends
            if classes is None:
                classes = load_classes(cfg, data_root)
            result = evaluate_backends(cfg, {name: forward}, model=model,
                                       max_batches=max_test_batches)[name]
            metrics = fall_metrics(result['gt_labels'],
                                   result['pred_labels'], classes)
            for key in ACCURACY_KEYS:
                # NaN (no such clips or class): shown as n/a
                row[key] = None if np.isnan(metrics[key]) else metrics[key]
    except Exception as e:  # one model must not end the benchmark
        row['error'] = f'{type(e).__name__}: {e}'
        print(f'[{name}] failed:\n{traceback.format_exc()}', file=sys.stderr)
    return row


def time_entries(entries: Sequence[ModelEntry],
                 rows: Sequence[Dict[str, Any]],
                 data_root: Optional[str] = None,
                 cfg_options: Optional[Dict[str, Any]] = None,
                 threads: int = 2,
                 batch_sizes: Sequence[int] = (1, 8, 32),
                 rounds: int = 3, min_iters: int = 10,
                 min_seconds: float = 1.0,
                 int8_runtime: str = 'inductor',
                 entry_options: Optional[Dict[str, Dict[str, Any]]] = None,
                 loaded: Optional[Dict[str, Callable]] = None) -> None:
    """Time every model side by side: in each round every model runs at
    every batch size, and each keeps its median over the rounds.

    A noisy moment (another process, a frequency change) then costs one
    round of one model, not its whole figure, and no model is favoured by
    when it ran. Fills each row's ``clips_per_s``, ``latency_ms``,
    ``max_clips_per_s``, ``max_batch`` and ``timing_rounds``; a row with an
    ``error`` is skipped, and a model that fails here gets one.

    Args:
        entries (Sequence[ModelEntry]): The models (:func:`parse_entry`).
        rows (Sequence[dict]): Their :func:`measure_entry` rows, in the
            same order; changed in place.
        data_root (str, optional): As for :func:`measure_entry`.
        cfg_options (dict, optional): As for :func:`measure_entry`.
        threads (int): CPU threads. Defaults to 2.
        batch_sizes (Sequence[int]): Batch sizes timed, 1 included.
            Defaults to (1, 8, 32).
        rounds (int): Rounds, >= 1. Defaults to 3.
        min_iters (int): Timed calls per batch size and round, at least.
            Defaults to 10.
        min_seconds (float): Timed seconds per batch size and round, at
            least. Defaults to 1.0.
        int8_runtime (str): As for :func:`measure_entry`. A compiled
            program is compiled in its first round (the untimed warm-up
            calls); the seconds go to the row's ``compile_s``.
        entry_options (dict, optional): ``{name: overrides}`` merged after
            ``cfg_options`` for that model (e.g. its input shape).
            Defaults to None.
        loaded (dict, optional): Forwards already loaded, by name
            (:func:`measure_entry`'s ``keep``): timed instead of loading
            the file again (.onnx and OpenVINO rows get a fresh session
            each turn whatever this holds). Defaults to None.
    """
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f'rounds must be an int >= 1, got {rounds!r}')
    if 1 not in batch_sizes:
        raise ValueError(f'batch_sizes must include 1, got {batch_sizes}')
    if len(entries) != len(rows):
        raise ValueError(f'{len(entries)} entries but {len(rows)} rows')
    from mmlight.deployment.recognizer import torch_backend
    loaders, shapes, forwards = {}, {}, {}
    for entry, row in zip(entries, rows):
        if row.get('error'):
            continue
        name, kind, file = entry['name'], entry['kind'], entry['file']
        try:
            options = dict(cfg_options or {})
            options.update((entry_options or {}).get(name) or {})
            _, cfg_dict, shape = _entry_config(entry, data_root, options)
            if kind in ('onnx', 'openvino'):  # a fresh session each turn
                loaders[name] = functools.partial(_load_forward, kind,
                                                  cfg_dict, file, threads)
            else:
                if name in (loaded or {}):
                    forward = loaded[name]
                elif kind == 'torch':
                    forward = torch_backend(load_recognizer(cfg_dict, file))
                else:
                    forward = _load_forward(kind, cfg_dict, file, threads,
                                            int8_runtime)
                loaders[name] = lambda f=forward: f
                forwards[name] = forward
            shapes[name] = shape[1:]
        except Exception as e:
            row['error'] = f'timing: {type(e).__name__}: {e}'
    errors: Dict[str, str] = {}
    speeds = time_interleaved(loaders, shapes, batch_sizes, rounds, threads,
                              min_iters, min_seconds, errors)
    for row in rows:
        if row['name'] in errors:
            row['error'] = f'timing: {errors[row["name"]]}'
        elif row['name'] in speeds:
            _set_speed(row, speeds[row['name']])
            row['timing_rounds'] = rounds
            if row['name'] in forwards:
                _set_compile_s(row, forwards[row['name']])


# ----------------------------------------------------------------- format
def measurement_notes(threads: int = 2, device: str = 'cpu',
                      train_batch: int = 8, rounds: int = 1) -> str:
    """How every column of :func:`format_edge_table` was measured."""
    infer = CUDA_MEMORY_METHOD if device == 'cuda' else CPU_MEMORY_METHOD
    train = CUDA_TRAIN_MEMORY_METHOD if device == 'cuda' \
        else CPU_TRAIN_MEMORY_METHOD
    return (
        'size: the .pt2/.onnx file (OpenVINO: .xml + .bin), or the weights '
        'alone (state_dict) of a '
        'PyTorch model. GFLOPs: one test clip, one multiply-accumulate = one '
        f'FLOP. clips/s: CPU, {threads} threads, random clips after warm-up'
        + (f', median of {rounds} interleaved rounds (each round times '
           'every model in turn)' if rounds > 1 else '') + '; '
        'latency = 1 / clips/s at batch 1; max = the best clips/s over the '
        'batch sizes tried. peak inference memory (batch 1, '
        f'{device}): {infer}. peak training memory (batch {train_batch}, '
        f'{device}; SGD with momentum, fp32): {train}; INT8 files are not '
        'trained (n/a). fall/no-fall acc, fall recall, lie-down vs fall, '
        'top-1: the test split through each row\'s own test pipeline; '
        'fall/no-fall acc is the binary accuracy over every clip (any class '
        'but fall is "no fall"), lie-down vs fall the same on the falls and '
        'lie_down clips, top-1 over the 7 classes. A row without a '
        'file is an untrained architecture: cost only.')


def format_edge_table(rows: Sequence[Dict[str, Any]]) -> str:
    """The headline table as markdown, notes and failures below it.

    Args:
        rows (Sequence[dict]): :func:`measure_entry` results.

    Returns:
        str: The table.
    """
    first = rows[0] if rows else {}
    train_batch = first.get('train_batch', 8)
    head = ['model', 'size (MB)', 'params (M)', 'GFLOPs/clip',
            'peak infer mem (MB)', f'peak train mem (MB, bs{train_batch})',
            'clips/s bs1', 'latency (ms)', 'max clips/s (bs)',
            'fall/no-fall acc (%)', 'fall recall (%)',
            'lie-down vs fall (%)', 'top-1 (%)']
    lines = table_head(head)
    errors: List[str] = []
    for row in rows:
        name = row_name(row, errors)
        if not row.get('error') and not row.get('trained'):
            name += ' (untrained)'
        best = 'n/a' if row.get('max_clips_per_s') is None else \
            f'{row["max_clips_per_s"]:.1f} ({row["max_batch"]})'
        cells = [
            name, format_cell(row.get('size_mb'), '.3f'),
            format_cell(row.get('params'), '.3f', 1e-6),
            format_cell(row.get('flops'), '.4f', 1e-9),
            format_cell(row.get('peak_infer_mb'), '.1f'),
            format_cell(row.get('peak_train_mb'), '.1f'),
            format_cell(row.get('clips_per_s', {}).get(1), '.1f'),
            format_cell(row.get('latency_ms'), '.2f'), best,
            *[format_cell(row.get(key), '.1f', 100) for key in ACCURACY_KEYS]
        ]
        lines.append(table_row(cells))
    rounds = max([row.get('timing_rounds') or 1 for row in rows])
    lines += ['', measurement_notes(first.get('threads', 2),
                                    first.get('device', 'cpu'), train_batch,
                                    rounds)]
    runtimes = [row for row in rows if row.get('int8_runtime')]
    if runtimes:
        lines += ['', 'INT8 .pt2 rows: ' + '; '.join(
            f'{row["name"]} runs on the {row["int8_runtime"]} runtime'
            + (' (compiled, first call of each batch size not timed: ' +
               ', '.join(f'bs{b} {s:.1f} s' for b, s in sorted(
                   row['compile_s'].items())) + ')'
               if row.get('compile_s') else '') for row in runtimes) + '.']
    lines += failed_section(errors)
    return '\n'.join(lines)


def _points_lost(reference: Dict[str, Any], row: Dict[str, Any],
                 key: str) -> Optional[float]:
    if reference.get(key) is None or row.get(key) is None:
        return None
    return 100 * (reference[key] - row[key])


def ratios(reference: Dict[str, Any], row: Dict[str, Any],
           trained_as: Optional[Dict[str, Any]] = None
           ) -> Dict[str, Optional[float]]:
    """Reference : row, each as a factor (accuracy as points lost).

    Args:
        reference (dict): The teacher's row.
        row (dict): A light model's row.
        trained_as (dict, optional): The row whose peak training memory
            stands for ``row``'s when it has none (an INT8 file: the
            PyTorch model it was quantized from). Defaults to None.

    Returns:
        dict: ``size``, ``memory`` (peak inference), ``train_memory``,
        ``fps`` (row's clips/s at batch 1 over the reference's),
        ``max_fps``, ``accuracy_drop`` (points of fall / no-fall accuracy
        lost, top-1 where a row has no fall accuracy) and ``top1_drop``
        (points; None without accuracy), and the row's own
        :data:`ACCURACY_KEYS`.
    """
    train_mb = row.get('peak_train_mb')
    if train_mb is None and trained_as is not None:
        train_mb = trained_as.get('peak_train_mb')
    drop = _points_lost(reference, row, 'fall_accuracy')
    top1_drop = _points_lost(reference, row, 'top1')
    return dict(
        size=ratio(reference.get('size_mb'), row.get('size_mb')),
        memory=ratio(reference.get('peak_infer_mb'),
                      row.get('peak_infer_mb')),
        train_memory=ratio(reference.get('peak_train_mb'), train_mb),
        fps=ratio(row.get('clips_per_s', {}).get(1),
                   reference.get('clips_per_s', {}).get(1)),
        max_fps=ratio(row.get('max_clips_per_s'),
                       reference.get('max_clips_per_s')),
        accuracy_drop=top1_drop if drop is None else drop,
        top1_drop=top1_drop,
        **{key: row.get(key) for key in ACCURACY_KEYS})


def meets_targets(r: Dict[str, Optional[float]]) -> Optional[bool]:
    """Whether one :func:`ratios` result meets :data:`TARGETS`: no target
    missed, and None when a figure is missing (an accuracy the dataset
    has no class for, e.g. lie-down vs fall on fall / no-fall data, is not
    checked)."""
    needed = ('size', 'train_memory', 'fps', 'accuracy_drop')
    if any(r.get(key) is None for key in needed):
        return None
    if r['accuracy_drop'] > TARGETS['accuracy_drop']:
        return False
    if any(r[key] < TARGETS[key] for key in ('size', 'train_memory', 'fps')):
        return False
    return all(r.get(key) is None or r[key] >= TARGETS[key]
               for key in ACCURACY_KEYS)


def training_source(rows: Sequence[Dict[str, Any]],
                    row: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The PyTorch row an INT8/exported row was made from: the first
    ``.pth`` row of the same config (None for a PyTorch row, or when
    there is none)."""
    if row.get('kind', 'torch') == 'torch':
        return None
    for other in rows:
        if other.get('kind', 'torch') == 'torch' and other.get('file') \
                and other.get('config') == row.get('config') \
                and not other.get('error'):
            return other
    return None


def format_ratio_table(rows: Sequence[Dict[str, Any]],
                       reference: Optional[str] = None) -> str:
    """Reference (the teacher) : each light model, as markdown.

    Args:
        rows (Sequence[dict]): :func:`measure_entry` results.
        reference (str, optional): The reference row's name. Defaults to
            the first row.

    Returns:
        str: The table and the targets it is read against.
    """
    if not rows:
        return ''
    by_name = {row['name']: row for row in rows}
    if reference is not None and reference not in by_name:
        raise ValueError(f'reference {reference!r} is not a row; rows: '
                         f'{sorted(by_name)}')
    ref = by_name[reference] if reference else rows[0]

    def points(value: Optional[float]) -> str:
        return 'n/a' if value is None else f'{value:+.1f}'

    head = [f'{ref["name"]} : model', 'smaller', 'less peak infer mem',
            'less peak train mem', 'clips/s bs1', 'max clips/s',
            'fall/no-fall drop (points)', 'top-1 drop (points)',
            'meets targets']
    lines = table_head(head)
    borrowed = []
    for row in rows:
        if row is ref or row.get('error'):
            continue
        source = training_source(rows, row)
        if source is not None and row.get('peak_train_mb') is None:
            borrowed.append(f'{row["name"]} ({source["name"]})')
        r = ratios(ref, row, source)
        met = meets_targets(r)
        lines.append(table_row([
            row['name'], format_times(r['size']), format_times(r['memory']),
            format_times(r['train_memory']), format_times(r['fps']),
            format_times(r['max_fps']), points(r['accuracy_drop']),
            points(r['top1_drop']),
            'n/a' if met is None else ('yes' if met else 'no')
        ]))
    lines += ['', (f'Targets (teacher : light model): >= {TARGETS["size"]:g}x '
                   f'smaller, >= {TARGETS["train_memory"]:g}x less peak '
                   f'training memory, >= {TARGETS["fps"]:g}x the clips/s at '
                   f'batch 1, <= {TARGETS["accuracy_drop"]:g} points of fall '
                   '/ no-fall accuracy lost; the light model itself: fall / '
                   f'no-fall accuracy, fall recall and lie-down vs fall >= '
                   f'{100 * TARGETS["fall_accuracy"]:g}%, top-1 >= '
                   f'{100 * TARGETS["top1"]:g}%.')]
    if borrowed:
        lines += ['', 'Training memory of a file that is not trained: the '
                  'PyTorch model of its config it was made from: '
                  + ', '.join(borrowed) + '.']
    return '\n'.join(lines)


def plot_edge_benchmark(rows: Sequence[Dict[str, Any]], path: str,
                        title: str = 'Fall detection on SynthFall') -> str:
    """Accuracy against batch-1 latency, marker area by size on disk.

    Rows without latency are left out; untrained rows (no accuracy) are
    drawn at the bottom edge, hollow.

    Args:
        rows (Sequence[dict]): :func:`measure_entry` results.
        path (str): The ``.png`` to write.
        title (str): The plot's title.

    Returns:
        str: ``path``.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    drawn = [r for r in rows if r.get('latency_ms') and not r.get('error')]
    if not drawn:
        raise ValueError('nothing to plot: no row has a latency')
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    def accuracy(row: Dict[str, Any]) -> Optional[float]:
        acc = row.get('fall_accuracy')
        return row.get('top1') if acc is None else acc

    known = [100 * accuracy(r) for r in drawn if accuracy(r) is not None]
    floor = (min(known) - 5) if known else 0.0
    sizes = [r.get('size_mb') or 0.0 for r in drawn]
    scale = 1500.0 / max(max(sizes), 1e-6)
    for row, size in zip(drawn, sizes):
        acc = accuracy(row)
        y = 100 * acc if acc is not None else floor
        area = max(20.0, size * scale)
        ax.scatter(row['latency_ms'], y, s=area, alpha=0.5,
                   facecolors='none' if acc is None else None,
                   edgecolors='C0' if acc is None else None)
        label = row['name'] + ('' if acc is not None else ' (untrained)')
        ax.annotate(f'{label}\n{size:.2f} MB',
                    (row['latency_ms'], y), fontsize=7,
                    xytext=(4, 4), textcoords='offset points')
    ax.set_xscale('log')
    ax.set_xlabel('CPU latency per clip at batch 1 (ms, log)')
    ax.set_ylabel('fall / no-fall accuracy, test split (%)')
    ax.set_title(title + ' (marker area ~ size on disk)')
    ax.grid(True, which='both', alpha=0.3)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
