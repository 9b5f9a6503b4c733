"""The compression report: an FP32 student, its pruned version and their
INT8 forms, measured side by side in one run.

:func:`build_compressed_models` writes every deployable file from two
checkpoints (the FP32 student and the pruned, fine-tuned one):

* ``fp32.pth`` / ``pruned.pth``: weights only (the pruned one with its
  pruned shapes in ``meta``, so ``tools/test.py`` with the pruning config
  loads it);
* ``dynamic_linear.pth``: the seed's one-liner, dynamic INT8 of the
  ``nn.Linear`` layers of the FP32 student;
* ``int8.pt2``: PT2E static INT8 of the pruned backbone (torchao's X86
  quantizer, calibrated on real clips of the *val* split), FP32 head;
* ``fp32.onnx``, ``pruned.onnx`` and ``pruned_int8.onnx``: ONNX exports,
  the last one static QDQ calibrated on the same val clips.

:func:`measure_compressed_models` then measures each of them the same way:
file size, params and FLOPs of the network it holds, clips/s at each batch
size (same random input, same threads, rounds interleaved), peak memory of
loading it and one forward in a fresh process, and one pass over the test
split that feeds every model the same preprocessed clips (accuracy, fall
recall, hard-negative accuracy, agreement with its FP32 source).
"""
import copy
import functools
import os
import os.path as osp
from typing import Any, Callable, Dict, List, Optional, Sequence

import torch
from torch import nn

from mmlight.measure.runtime import (CPU_MEMORY_METHOD, peak_memory,
                                     time_interleaved)
from mmlight.reports.accuracy import fall_metrics
from mmlight.reports.common import (format_cell, format_times,
                                    load_pt2_forward, load_recognizer,
                                    plain_cfg, ratio, table_head, table_row)

__all__ = [
    'build_compressed_models', 'measure_compressed_models',
    'format_compression_table', 'ModelSpec'
]

#: One model of the report: ``name``, ``kind`` (``'torch'``, ``'pt2'`` or
#: ``'onnx'``), ``path`` (its file), ``source`` (the name of the PyTorch
#: row whose params/FLOPs it has and whose outputs it is compared with) and,
#: for ``'torch'``, ``model`` and ``cfg``.
ModelSpec = Dict[str, Any]


# ------------------------------------------------------- fresh-process loads
# Module-level (picklable) loaders for measure.peak_memory: each loads one
# model from its file and returns its array-in, logits-out forward.
def _load_torch(cfg_dict: dict, checkpoint: str,
                dynamic_linear: bool = False) -> Callable:
    from mmlight.compression.quantization.pt2e import quantize_dynamic_linear
    from mmlight.deployment.recognizer import torch_backend
    model = load_recognizer(cfg_dict, checkpoint)
    if dynamic_linear:
        quantize_dynamic_linear(model, inplace=True)
    return torch_backend(model)


def _load_onnx(path: str, threads: int) -> Callable:
    from mmlight.deployment.ort_inference import OrtRecognizer
    return OrtRecognizer(path, threads)


# ------------------------------------------------------------------ build
def _weight_sparsity(model: nn.Module) -> float:
    """Fraction of zeros in the conv and linear weights."""
    weights = [m.weight for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.Conv3d, nn.Linear))]
    return sum(int((w == 0).sum()) for w in weights) / sum(
        w.numel() for w in weights)


def _save_weights(model: nn.Module, path: str,
                  meta: Optional[dict] = None) -> str:
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    torch.save(dict(state_dict=model.state_dict(), meta=meta or {}), path)
    return path


def build_compressed_models(fp32_cfg: Any,
                            fp32_ckpt: str,
                            work_dir: str,
                            pruned_cfg: Any = None,
                            pruned_ckpt: Optional[str] = None,
                            calib_batches: int = 16,
                            onnx: bool = True,
                            unstructured_cfg: Any = None,
                            unstructured_ckpt: Optional[str] = None
                            ) -> List[ModelSpec]:
    """Load the FP32 and pruned students and write their compressed forms.

    Args:
        fp32_cfg (Config): The FP32 student's config (its val split gives
            the calibration clips, its test split the evaluation).
        fp32_ckpt (str): Its checkpoint.
        work_dir (str): Where the files go.
        pruned_cfg (Config, optional): The pruning config (its model is the
            FP32 student's; the checkpoint carries the pruned shapes).
            Defaults to None: INT8 is then made from the FP32 student.
        pruned_ckpt (str, optional): The pruned, fine-tuned checkpoint.
            Defaults to None.
        calib_batches (int): Val batches for static INT8 calibration
            (PT2E and ONNX QDQ). Defaults to 16.
        onnx (bool): Also export and quantize to ONNX. Defaults to True.
        unstructured_cfg (Config, optional): A config of unstructured
            pruning (weights zeroed in place, shapes kept); its row shows
            what zeros in dense tensors save. Defaults to None.
        unstructured_ckpt (str, optional): Its fine-tuned checkpoint.
            Defaults to None.

    Returns:
        list[dict]: One :data:`ModelSpec` a model, in report order.

    Raises:
        FileNotFoundError: A checkpoint does not exist.
        ValueError: Only one of ``pruned_cfg`` / ``pruned_ckpt`` given.
    """
    from mmlight.deployment.onnx_export import export_onnx
    from mmlight.compression.pruning import SHAPES_KEY, pruned_shapes
    from mmlight.compression.quantization.onnx_qdq import (
        calibration_batches, quantize_onnx_static)
    from mmlight.compression.quantization.pt2e import (
        quantize_dynamic_linear, quantize_recognizer_static,
        save_quantized_recognizer)
    from mmlight.deployment.recognizer import build_recognizer
    from mmlight.measure.complexity import infer_input_shape
    for what, a, b in (('pruned', pruned_cfg, pruned_ckpt),
                       ('unstructured', unstructured_cfg, unstructured_ckpt)):
        if (a is None) != (b is None):
            raise ValueError(f'give both the {what} config and its '
                             'checkpoint, or neither')
    os.makedirs(work_dir, exist_ok=True)
    shape = infer_input_shape(fp32_cfg)
    specs: List[ModelSpec] = []

    fp32 = build_recognizer(fp32_cfg, fp32_ckpt)
    specs.append(dict(name='FP32 (PyTorch)', kind='torch', model=fp32,
                      cfg=fp32_cfg, source='FP32 (PyTorch)',
                      path=_save_weights(fp32, osp.join(work_dir,
                                                        'fp32.pth'))))
    dyn = quantize_dynamic_linear(fp32)
    specs.append(dict(name='FP32, dynamic INT8 Linear (PyTorch)',
                      kind='torch', model=dyn, cfg=fp32_cfg,
                      dynamic_linear=True, source='FP32 (PyTorch)',
                      path=osp.join(work_dir, 'dynamic_linear.pth')))
    torch.save(dyn.state_dict(), specs[-1]['path'])
    if onnx:
        specs.append(dict(name='FP32 (ONNX Runtime)', kind='onnx',
                          source='FP32 (PyTorch)',
                          path=export_onnx(fp32, shape,
                                           osp.join(work_dir, 'fp32.onnx'))))

    if unstructured_cfg is not None:
        sparse = build_recognizer(unstructured_cfg, unstructured_ckpt)
        zeros = _weight_sparsity(sparse)
        specs.append(dict(
            name=f'unstructured {100 * zeros:.0f}% zeros (PyTorch)',
            kind='torch', model=sparse, cfg=unstructured_cfg,
            source='FP32 (PyTorch)',
            path=_save_weights(sparse, osp.join(work_dir,
                                                'unstructured.pth'))))

    base, base_cfg, base_name = fp32, fp32_cfg, 'FP32'
    if pruned_cfg is not None:
        base = build_recognizer(pruned_cfg, pruned_ckpt)
        base_cfg, base_name = pruned_cfg, 'pruned'
        shapes = pruned_shapes(base)
        specs.append(dict(
            name='pruned (PyTorch)', kind='torch', model=base,
            cfg=pruned_cfg, source='pruned (PyTorch)',
            path=_save_weights(base, osp.join(work_dir, 'pruned.pth'),
                               {SHAPES_KEY: dict(shapes, root='')})))
        if onnx:
            specs.append(dict(
                name='pruned (ONNX Runtime)', kind='onnx',
                source='pruned (PyTorch)',
                path=export_onnx(base, shape,
                                 osp.join(work_dir, 'pruned.onnx'))))
    source = f'{base_name} (PyTorch)'

    int8 = copy.deepcopy(base)
    batches = (torch.from_numpy(b) for b in calibration_batches(
        base_cfg, base, calib_batches))
    quantize_recognizer_static(int8, batches)
    example = torch.from_numpy(next(calibration_batches(base_cfg, base, 1)))
    path = osp.join(work_dir, 'int8.pt2')
    save_quantized_recognizer(
        int8, path, example,
        metadata=dict(mode='static', calibrate_steps=calib_batches,
                      quantized='backbone int8, cls_head FP32'))
    specs.append(dict(name=f'{base_name} INT8 (PyTorch PT2E)', kind='pt2',
                      path=path, source=source))
    if onnx:
        fp32_onnx = specs[-2]['path']
        int8_onnx = osp.join(work_dir, f'{base_name}_int8.onnx')
        quantize_onnx_static(
            fp32_onnx, int8_onnx,
            calibration_batches(base_cfg, base, calib_batches))
        specs.append(dict(name=f'{base_name} INT8 (ONNX Runtime QDQ)',
                          kind='onnx', path=int8_onnx, source=source))
    return specs


# ---------------------------------------------------------------- measure
def _backend(spec: ModelSpec, threads: int,
             int8_runtime: str = 'inductor') -> Callable:
    from mmlight.deployment.ort_inference import OrtRecognizer
    from mmlight.deployment.recognizer import torch_backend
    if spec['kind'] == 'torch':
        return torch_backend(spec['model'])
    if spec['kind'] == 'pt2':
        return load_pt2_forward(spec['path'], int8_runtime)
    return OrtRecognizer(spec['path'], threads)


def _loader(spec: ModelSpec, threads: int,
            int8_runtime: str = 'inductor') -> tuple:
    if spec['kind'] == 'torch':
        cfg_dict = plain_cfg(spec['cfg'])
        if spec.get('dynamic_linear'):
            # built as FP32 from its checkpoint, then quantized on load
            return _load_torch, (cfg_dict, spec['fp32_path'], True)
        return _load_torch, (cfg_dict, spec['path'])
    if spec['kind'] == 'pt2':
        return load_pt2_forward, (spec['path'], int8_runtime)
    return _load_onnx, (spec['path'], threads)


def measure_compressed_models(specs: Sequence[ModelSpec],
                              cfg: Any,
                              classes: Sequence[str],
                              threads: int = 2,
                              batch_sizes: Sequence[int] = (1, 8),
                              rounds: int = 3,
                              min_iters: int = 10,
                              min_seconds: float = 1.0,
                              memory: bool = True,
                              max_test_batches: Optional[int] = None,
                              int8_runtime: str = 'inductor'
                              ) -> List[Dict[str, Any]]:
    """Measure every model of :func:`build_compressed_models` side by side.

    Args:
        specs (Sequence[dict]): The models.
        cfg (Config): The FP32 student's config: its test split, data
            preprocessor and head's ``average_clip`` serve every model.
        classes (Sequence[str]): Class names (``'fall'`` and
            ``'lie_down'`` for the fall figures).
        threads (int): CPU threads of every model (torch intra-op, ONNX
            Runtime ``intra_op_num_threads``). Defaults to 2.
        batch_sizes (Sequence[int]): Batch sizes for clips/s. Defaults to
            (1, 8).
        rounds (int): Timing rounds; in each, every model is timed once
            at every batch size, and the median round is kept. Defaults
            to 3.
        min_iters (int): See :func:`~mmlight.measure.runtime.time_calls`.
            Defaults to 10.
        min_seconds (float): See
            :func:`~mmlight.measure.runtime.time_calls`. Defaults to 1.0.
        memory (bool): Measure peak memory (a fresh process a model).
            Defaults to True.
        max_test_batches (int, optional): Evaluate on this many test
            batches only. Defaults to None (all).
        int8_runtime (str): How ``.pt2`` INT8 programs run: ``'inductor'``
            (compiled, one graph per batch size: what is deployed) or
            ``'reference'`` (their q/dq ops as they are, no compilation).
            Defaults to ``'inductor'``.

    Returns:
        list[dict]: One row a model: ``name``, ``kind``, ``path``,
        ``size_mb``, ``params``, ``flops``, ``clips_per_s`` (by batch
        size), ``peak_mem_mb``, ``top1``, ``fall_recall``,
        ``hard_negative_acc``, ``agreement`` (top-1 agreement with its
        source), ``max_abs_logit_diff`` and ``source``.
    """
    from mmlight.deployment.ort_inference import (compare_outputs,
                                                  evaluate_backends)
    from mmlight.measure.complexity import infer_input_shape, model_complexity
    if isinstance(rounds, bool) or not isinstance(rounds, int) \
            or rounds < 1:
        raise ValueError(f'rounds must be an int >= 1, got {rounds!r}')
    names = [s['name'] for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(f'model names must be unique, got {names}')
    shape = tuple(infer_input_shape(cfg))
    by_name = {s['name']: s for s in specs}
    fp32_paths = {s['name']: s['path'] for s in specs
                  if s['kind'] == 'torch'}
    if int8_runtime not in ('inductor', 'reference'):
        raise ValueError('int8_runtime must be "inductor" or "reference", '
                         f'got {int8_runtime!r}')
    backends = {s['name']: _backend(s, threads, int8_runtime)
                for s in specs}

    cost = {}
    for spec in specs:
        if spec['kind'] == 'torch' and not spec.get('dynamic_linear'):
            cost[spec['name']] = model_complexity(spec['model'], shape)
    results = evaluate_backends(cfg, backends, model=by_name[specs[0][
        'name']]['model'], return_logits=True, max_batches=max_test_batches)
    # An idle ONNX Runtime session keeps its thread pool, whose spinning
    # threads would slow whatever is timed next: each one is timed in a
    # session of its own, gone before the next model runs.
    backends = {n: b for n, b in backends.items()
                if by_name[n]['kind'] != 'onnx'}

    loaders = {n: functools.partial(_backend, by_name[n], threads,
                                    int8_runtime) for n in names}
    loaders.update({n: (lambda b=b: b) for n, b in backends.items()})
    speed = time_interleaved(loaders, {n: shape[1:] for n in names},
                             batch_sizes, rounds, threads, min_iters,
                             min_seconds)

    rows = []
    for spec in specs:
        name, source = spec['name'], spec['source']
        src_cost = cost.get(source, {})
        metrics = fall_metrics(results[name]['gt_labels'],
                               results[name]['pred_labels'], classes)
        row = dict(
            name=name, kind=spec['kind'], path=spec['path'],
            source=source,
            size_mb=osp.getsize(spec['path']) / 2**20,
            params=src_cost.get('params'), flops=src_cost.get('flops'),
            clips_per_s=speed[name],
            peak_mem_mb=None, top1=metrics['top1'],
            fall_recall=metrics['fall_recall'],
            hard_negative_acc=metrics['hard_negative_acc'],
            **({} if name == source else
               compare_outputs(results[source], results[name])))
        row.setdefault('top1_agreement', None)
        row.setdefault('max_abs_logit_diff', None)
        if memory:
            loader, args = _loader(dict(spec, fp32_path=fp32_paths.get(
                'FP32 (PyTorch)')), threads, int8_runtime)
            row['peak_mem_mb'] = peak_memory(
                loader, args, (1, ) + shape[1:], threads=threads,
                numpy_input=True)
        rows.append(row)
    return rows


# ----------------------------------------------------------------- format
def _ratio(a: Optional[float], b: Optional[float]) -> str:
    return format_times(ratio(a, b), '.2f')


def _speedups(row: Dict[str, Any], ref: Dict[str, Any],
              batch_sizes: Sequence[int]) -> str:
    return ', '.join(
        f'bs{b} {_ratio(row["clips_per_s"].get(b), ref["clips_per_s"].get(b))}'
        for b in batch_sizes)


def _summary(rows: Sequence[Dict[str, Any]],
             batch_sizes: Sequence[int]) -> List[str]:
    """The ratios the targets are stated in, one line a compressed model."""
    by = {r['name']: r for r in rows}
    fp32 = by.get('FP32 (PyTorch)')
    if fp32 is None:
        return []
    lines = []

    def points(r: Dict[str, Any]) -> str:
        return f'{100 * (r["top1"] - fp32["top1"]):+.1f} points'

    pruned = by.get('pruned (PyTorch)')
    if pruned and fp32['flops'] and pruned['flops']:
        flops = 100 * (1 - pruned['flops'] / fp32['flops'])
        params = 100 * (1 - pruned['params'] / fp32['params'])
        lines.append(f'- Pruning: FLOPs -{flops:.1f}%, params '
                     f'-{params:.1f}%, top-1 {points(pruned)}.')
    for name, r in by.items():
        if name.startswith('unstructured'):
            lines.append(
                f'- {name}: file {_ratio(r["size_mb"], fp32["size_mb"])} '
                f'the FP32 one, speed vs FP32: '
                f'{_speedups(r, fp32, batch_sizes)}; top-1 {points(r)} '
                '(zeros in dense tensors: no smaller, no faster).')
        elif 'INT8' in name and 'dynamic' not in name:
            ref_name = ('FP32 (ONNX Runtime)' if r['kind'] == 'onnx' else
                        'FP32 (PyTorch)')
            ref = by.get(ref_name, fp32)
            lines.append(
                f'- {name}: file {_ratio(fp32["size_mb"], r["size_mb"])} '
                f'smaller than the FP32 weights, '
                f'{_ratio(ref["size_mb"], r["size_mb"])} smaller than '
                f'{ref_name}; speed vs {ref_name}: '
                f'{_speedups(r, ref, batch_sizes)}; top-1 {points(r)} vs '
                'FP32.')
    return lines


def format_compression_table(rows: Sequence[Dict[str, Any]],
                             threads: int = 2) -> str:
    """The report as a markdown table, the ratios that matter, and notes.

    Args:
        rows (Sequence[dict]): :func:`measure_compressed_models` rows.
        threads (int): The threads they ran with. Defaults to 2.

    Returns:
        str: Markdown.
    """
    batch_sizes = sorted({b for r in rows for b in r['clips_per_s']})
    head = ['model', 'file (MB)', 'params (M)', 'GFLOPs/clip'] + [
        f'CPU clips/s (bs{b})' for b in batch_sizes] + [
            'peak mem (MB)', 'top-1 (%)', 'fall recall (%)',
            'hard-neg acc (%)', 'top-1 agreement w/ source (%)']
    lines = table_head(head)
    for r in rows:
        cells = [r['name'], format_cell(r['size_mb'], '.3f'),
                 format_cell(r['params'], '.3f', 1e-6),
                 format_cell(r['flops'], '.4f', 1e-9)]
        cells += [format_cell(r['clips_per_s'].get(b), '.1f')
                  for b in batch_sizes]
        cells += [format_cell(r['peak_mem_mb'], '.1f'),
                  format_cell(r['top1'], '.1f', 100),
                  format_cell(r['fall_recall'], '.1f', 100),
                  format_cell(r['hard_negative_acc'], '.1f', 100),
                  format_cell(r['top1_agreement'], '.1f', 100)]
        lines.append(table_row(cells))

    lines += [''] + _summary(rows, batch_sizes)
    lines += [
        '',
        f'Measured in one run on this CPU with {threads} threads (torch '
        'intra-op; ONNX Runtime intra_op_num_threads, CPU provider). clips/s:'
        ' one random input per batch size, median of interleaved rounds. '
        f'Peak memory: {CPU_MEMORY_METHOD}. File: the deployable file '
        '(.pth: state dict, + pruned shapes; .pt2: torch.export program with '
        'int8 weights, deflated; .onnx: self-contained). Params/FLOPs: of '
        'the PyTorch network a row comes from (INT8 rows run the same '
        'convolutions in int8). Accuracy: the test split, every model fed the'
        ' same preprocessed clips; agreement: top-1 identical to its FP32 '
        'source. The PT2E INT8 program runs reference quantize/dequantize '
        'ops in eager mode: its accuracy is the INT8 model\'s, its speed is '
        'not (int8 kernels need torch.compile with inductor).'
    ]
    return '\n'.join(lines)
