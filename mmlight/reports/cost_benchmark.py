"""Cost at any input shape: the seed's case study at the seed's scale.

The logic behind ``tools/benchmark_cost.py`` (``make seed-table``). Each
model is measured at its own input shape (frames x height x width, e.g.
SlowFast-R50 at the seed's 64 x 224 x 224, the light students at their own
8 frames and 224 x 224): file size, params, GFLOPs, peak inference memory,
clips/s at batch 1 and the best over batch sizes (the tools/benchmark.py
columns, :mod:`mmlight.reports.edge_benchmark`) and peak training
memory at several batch sizes under plain / gradient checkpointing / AMP /
both (:mod:`mmlight.reports.training_memory`). Cost only: no accuracy.

A config whose ``custom_hooks`` hold a ``ChannelPruningHook`` and that is
given no checkpoint is measured as the architecture that hook makes (its
``pruner`` settings applied once to the initial weights: the widths, hence
the cost, do not depend on the weights). INT8 rows are made here from a
row's model at that row's shape: PT2E (run compiled by inductor), ONNX
Runtime static QDQ and NNCF + OpenVINO, each calibrated on random clips
(speed and size do not depend on the calibration; accuracy does, and is
not measured here).
"""
import copy
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from mmlight.reports.common import (failed_section, format_cell,
                                    format_times, ratio, row_name,
                                    table_head, table_row)

__all__ = [
    'SEED', 'INT8_KINDS', 'parse_shape', 'parse_named', 'input_shape_options',
    'pruned_architecture', 'make_int8_files', 'format_cost_table',
    'format_seed_table', 'fastest', 'entry_rows'
]

#: The seed's headline (a SlowFast fall detector made light): teacher and
#: light model.
SEED = dict(size_mb=(328.0, 43.0), memory_gb=(7.8, 3.2), fps=(12.0, 28.0),
            accuracy=(93.5, 91.2))

#: INT8 rows made from a model: suffix -> (kind, file name).
INT8_KINDS = {
    'int8_pt2e': ('pt2', 'int8.pt2'),
    'int8_onnx': ('onnx', 'int8.onnx'),
    'int8_openvino': ('openvino', 'int8.xml'),
}

_SAMPLERS = ('SampleFrames', 'UniformSample', 'UniformSampleFrames')
_CROPS = ('CenterCrop', 'ThreeCrop', 'TenCrop')


def parse_shape(text: str) -> Tuple[Optional[int], int, int]:
    """``TxHxW`` or ``HxW`` (the config's frames) to ``(T, H, W)``.

    Raises:
        ValueError: Another form or a size < 1; the message quotes it.
    """
    parts = str(text).lower().split('x')
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) not in (2, 3) or min(values) < 1:
        raise ValueError(f'input shape {text!r}: expected TxHxW (e.g. '
                         '64x224x224) or HxW (the config\'s frames)')
    if len(values) == 2:
        return (None, values[0], values[1])
    return (values[0], values[1], values[2])


def parse_named(values: Sequence[str], names: Sequence[str],
                what: str) -> Dict[Optional[str], str]:
    """``[NAME=]VALUE`` options: ``{name or None (every model): value}``.

    Raises:
        ValueError: A name that is no model's.
    """
    out: Dict[Optional[str], str] = {}
    for text in values:
        name, sep, value = text.rpartition('=')
        if sep and name not in names:
            raise ValueError(f'{what} {text!r}: {name!r} is not one of the '
                             f'models {list(names)}')
        out[name if sep else None] = value
    return out


def input_shape_options(cfg: Any, frames: Optional[int], height: int,
                        width: int) -> Dict[str, Any]:
    """``--cfg-options`` keys that make the test (and val) pipeline give
    clips of ``frames x height x width``.

    The frame sampler's ``clip_len`` (a 3D model's frames) is set, or, for
    a 2D model, checked (its frames are segments, fixed by the model: a
    TSM shifts across exactly ``num_segments``); the last ``Resize`` gets
    ``scale=(width, height), keep_ratio=False`` and any crop after it
    ``crop_size=(width, height)``.

    Args:
        cfg (Config): A loaded config.
        frames (int, optional): Frames a clip; None keeps the config's.
        height (int): Input height.
        width (int): Input width.

    Returns:
        dict: Keys like ``test_dataloader.dataset.pipeline.3.scale``.

    Raises:
        ValueError: No frame sampler or resize to change, or a 2D model
            asked for another number of frames.
    """
    from mmlight.measure.complexity import infer_input_shape
    rank2d = len(infer_input_shape(cfg)) == 5
    options: Dict[str, Any] = {}
    for loader in ('test_dataloader', 'val_dataloader'):
        if not cfg.get(loader):
            continue
        pipeline = cfg[loader]['dataset']['pipeline']
        where = f'{loader}.dataset.pipeline'
        types = [str(step.get('type', '')).split('.')[-1]
                 for step in pipeline]
        samplers = [i for i, t in enumerate(types) if t in _SAMPLERS]
        resizes = [i for i, t in enumerate(types) if t == 'Resize']
        if not samplers or not resizes:
            raise ValueError(f'{where}: no frame sampler or Resize to set '
                             'the input shape with')
        s = samplers[-1]
        if frames is not None:
            step = pipeline[s]
            if rank2d:
                have = int(step.get('clip_len', 1)) * int(
                    step.get('num_clips', 1))
                if have != frames:
                    raise ValueError(
                        f'{where}.{s} ({types[s]}): this 2D model takes '
                        f'{have} frames (segments), not {frames}; give HxW '
                        'for its own frame count')
            else:
                options[f'{where}.{s}.clip_len'] = int(frames)
        r = resizes[-1]
        options[f'{where}.{r}.scale'] = (int(width), int(height))
        options[f'{where}.{r}.keep_ratio'] = False
        for i, t in enumerate(types):
            if t in _CROPS and i > r:
                options[f'{where}.{i}.crop_size'] = (int(width), int(height))
    return options


def _pruning_hook(cfg: Any) -> Optional[dict]:
    for hook in cfg.get('custom_hooks') or []:
        if str(hook.get('type', '')).split('.')[-1] == 'ChannelPruningHook':
            return hook
    return None


def pruned_architecture(cfg: Any, path: str) -> Optional[str]:
    """Save the architecture a config's ``ChannelPruningHook`` makes.

    The model is built with its initial weights and pruned once by the
    hook's ``pruner`` (all of its iterative steps), then saved with its
    pruned shapes in the checkpoint's meta, as the hook saves them, so
    :func:`~mmlight.deployment.build_recognizer` rebuilds it.

    Args:
        cfg (Config): A loaded config.
        path (str): The ``.pth`` to write.

    Returns:
        str | None: ``path``, or None if the config prunes nothing
        (no ChannelPruningHook).
    """
    from mmlight.compression.pruning import (SHAPES_KEY, ChannelPruner,
                                             pruned_shapes)
    from mmlight.deployment.recognizer import build_recognizer
    from mmlight.measure.complexity import infer_input_shape
    hook = _pruning_hook(cfg)
    if hook is None or not hook.get('pruner'):
        return None
    pruner_cfg = dict(hook['pruner'])
    steps = int(pruner_cfg.pop('iterative_steps', len(
        hook.get('prune_at') or [0])))
    model = build_recognizer(cfg).eval()
    pruner = ChannelPruner(iterative_steps=steps, **pruner_cfg)
    pruner.attach(model, torch.randn(infer_input_shape(cfg)))
    for _ in range(steps):
        pruner.step()
    shapes = pruned_shapes(model)
    shapes['root'] = ''
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    torch.save(dict(state_dict=model.state_dict(),
                    meta={SHAPES_KEY: shapes}), path)
    return path


def _random_batches(shape: Sequence[int], num: int = 4, batch: int = 2,
                    seed: int = 0) -> List[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((batch, ) + tuple(shape[1:])).astype(
        np.float32) for _ in range(num)]


def make_int8_files(cfg: Any, checkpoint: Optional[str], out_dir: str,
                    kinds: Sequence[str] = tuple(INT8_KINDS)
                    ) -> Dict[str, str]:
    """INT8 files of a config's model at its (test pipeline's) input shape.

    Calibrated on random clips: for cost (size, speed, memory) only.

    Args:
        cfg (Config): The config, input shape already set.
        checkpoint (str, optional): Its weights (pruned shapes included).
        out_dir (str): Where the files go.
        kinds (Sequence[str]): Keys of :data:`INT8_KINDS`.

    Returns:
        dict: ``{kind key: path}``.
    """
    from mmlight.deployment.onnx_export import export_onnx
    from mmlight.compression.quantization.onnx_qdq import quantize_onnx_static
    from mmlight.deployment.openvino_runtime import (convert_to_openvino,
                                                     quantize_openvino)
    from mmlight.deployment.recognizer import build_recognizer
    from mmlight.compression.quantization.pt2e import (
        quantize_recognizer_static, save_quantized_recognizer)
    from mmlight.measure.complexity import infer_input_shape
    unknown = [k for k in kinds if k not in INT8_KINDS]
    if unknown:
        raise ValueError(f'unknown INT8 kinds {unknown}; choose from '
                         f'{list(INT8_KINDS)}')
    shape = tuple(infer_input_shape(cfg))
    os.makedirs(out_dir, exist_ok=True)
    calib = _random_batches(shape)
    out: Dict[str, str] = {}
    if 'int8_pt2e' in kinds:
        model = build_recognizer(cfg, checkpoint).eval()
        quantize_recognizer_static(model, (torch.from_numpy(b)
                                           for b in calib))
        path = osp.join(out_dir, INT8_KINDS['int8_pt2e'][1])
        save_quantized_recognizer(model, path, torch.from_numpy(calib[0]))
        out['int8_pt2e'] = path
    if {'int8_onnx', 'int8_openvino'} & set(kinds):
        model = build_recognizer(cfg, checkpoint).eval()
        fp32 = export_onnx(model, shape, osp.join(out_dir, 'fp32.onnx'))
        if 'int8_onnx' in kinds:
            out['int8_onnx'] = quantize_onnx_static(
                fp32, osp.join(out_dir, INT8_KINDS['int8_onnx'][1]), calib)
        if 'int8_openvino' in kinds:
            ir = convert_to_openvino(fp32, osp.join(out_dir, 'fp32.xml'))
            out['int8_openvino'] = quantize_openvino(
                ir, osp.join(out_dir, INT8_KINDS['int8_openvino'][1]),
                calib, subset_size=len(calib) * calib[0].shape[0])
    return out


# ----------------------------------------------------------------- format
def _times(a: Optional[float], b: Optional[float]) -> str:
    """``a / b`` as ``'12.3x'``, or n/a."""
    return format_times(ratio(a, b))


def _shape_text(shape: Sequence[int]) -> str:
    """``(1, 8, 3, 224, 224)`` -> ``8x224x224``; 3D: ``(1, 1, 3, T, H,
    W)``."""
    t, h, w = (shape[1], shape[3], shape[4]) if len(shape) == 5 else (
        shape[3], shape[4], shape[5])
    return f'{t}x{h}x{w}'


def format_cost_table(rows: Sequence[Dict[str, Any]],
                      train_rows: Sequence[Dict[str, Any]]) -> str:
    """The cost table and the training-memory table, as markdown.

    Args:
        rows (Sequence[dict]): :func:`~mmlight.reports.edge_benchmark.
            measure_entry` rows with ``input_shape`` added.
        train_rows (Sequence[dict]): :func:`~mmlight.reports.
            training_memory.measure_training_memory` rows.

    Returns:
        str: Both tables, their notes and failures.
    """
    from mmlight.reports.training_memory import \
        format_training_memory_table
    head = ['model', 'input (TxHxW)', 'size (MB)', 'params (M)',
            'GFLOPs/clip', 'peak infer mem (MB)', 'clips/s bs1',
            'max clips/s (bs)', 'first-call compile (s)']
    lines = table_head(head)
    errors: List[str] = []
    for row in rows:
        name = row_name(row, errors)
        best = 'n/a' if row.get('max_clips_per_s') is None else \
            f'{row["max_clips_per_s"]:.2f} ({row["max_batch"]})'
        compile_s = row.get('compile_s') or {}
        lines.append(table_row([
            name,
            _shape_text(row['input_shape']) if row.get('input_shape')
            else 'n/a',
            format_cell(row.get('size_mb'), '.2f'),
            format_cell(row.get('params'), '.2f', 1e-6),
            format_cell(row.get('flops'), '.2f', 1e-9),
            format_cell(row.get('peak_infer_mb'), '.0f'),
            format_cell(row.get('clips_per_s', {}).get(1), '.2f'), best,
            ', '.join(f'bs{b} {s:.0f}' for b, s in sorted(compile_s.items()))
            or 'n/a'
        ]))
    first = rows[0] if rows else {}
    device = first.get('device', 'cpu')
    lines += ['', (
        f'Cost only (no accuracy). {first.get("threads", 2)} CPU threads; '
        'clips/s on random clips after warm-up (median of the interleaved '
        'rounds); size: the weights alone (state_dict) or the file (INT8; '
        'OpenVINO .xml + .bin); peak inference memory (batch 1, '
        f'{device}): '
        + ('`torch.cuda.max_memory_allocated`' if device == 'cuda' else
           'peak RSS of a fresh process loading the model and running one '
           'forward, minus its RSS after the imports')
        + '. INT8 rows are calibrated on random clips (cost does not depend '
        'on it); the PT2E row runs compiled by inductor, its first call of '
        'each batch size (the compilation) not timed but listed.')]
    if train_rows:
        lines += ['', format_training_memory_table(train_rows)]
    lines += failed_section(errors)
    return '\n'.join(lines)


def _best_train(train_rows: Sequence[Dict[str, Any]], model: str,
                variants: Sequence[str], batch: int) -> Optional[float]:
    peaks = [r['peak_mb'] for r in train_rows
             if r['model'] == model and r['variant'] in variants
             and r['batch'] == batch and r.get('peak_mb') is not None]
    return min(peaks) if peaks else None


def fastest(rows: Sequence[Dict[str, Any]], names: Sequence[str]) -> str:
    """The name of the row with the most clips/s at batch 1 among
    ``names`` (failed rows skipped)."""
    speed = {row['name']: row.get('clips_per_s', {}).get(1)
             for row in rows if row['name'] in names and not row.get('error')}
    speed = {k: v for k, v in speed.items() if v}
    if not speed:
        raise ValueError(f'none of {list(names)} has a clips/s figure')
    return max(speed, key=speed.get)


def format_seed_table(rows: Sequence[Dict[str, Any]],
                      train_rows: Sequence[Dict[str, Any]],
                      teacher: str, light: str) -> str:
    """The seed's headline beside ours: teacher and best light model, and
    their ratios.

    Args:
        rows (Sequence[dict]): Cost rows (:func:`format_cost_table`).
        train_rows (Sequence[dict]): Training-memory rows.
        teacher (str): The teacher row's name.
        light (str): The light row's name (the deployable one, e.g. the
            INT8 row); training memory is read from the FP32 model it comes
            from (its name before ``_int8``).

    Returns:
        str: A markdown table.
    """
    by_name = {row['name']: row for row in rows}
    for name in (teacher, light):
        if name not in by_name:
            raise ValueError(f'{name!r} is not a row; rows: '
                             f'{sorted(by_name)}')
    t, s = by_name[teacher], by_name[light]
    source = light.split('_int8')[0]
    batches = sorted({r['batch'] for r in train_rows
                      if r['model'] == teacher and r.get('peak_mb')} & {
                          r['batch'] for r in train_rows
                          if r['model'] == source and r.get('peak_mb')})
    batch = batches[-1] if batches else None
    t_train = _best_train(train_rows, teacher, ['plain'], batch)
    s_train = _best_train(train_rows, source, ['AMP + checkpointing'],
                          batch)

    seed = SEED
    head = ['', 'seed teacher', 'seed light', 'seed ratio', f'{teacher}',
            f'{light}', 'our ratio']
    lines = table_head(head)
    t_fps, s_fps = t.get('clips_per_s', {}).get(1), s.get(
        'clips_per_s', {}).get(1)
    lines.append(table_row([
        'size (MB)', f'{seed["size_mb"][0]:g}', f'{seed["size_mb"][1]:g}',
        _times(*seed['size_mb']), format_cell(t.get('size_mb'), '.1f'),
        format_cell(s.get('size_mb'), '.2f'),
        _times(t.get('size_mb'), s.get('size_mb'))]))
    lines.append(table_row([
        f'peak training memory (MB, bs{batch}; teacher plain, light AMP + '
        'checkpointing)', f'{seed["memory_gb"][0] * 1024:.0f}',
        f'{seed["memory_gb"][1] * 1024:.0f}', _times(*seed['memory_gb']),
        format_cell(t_train, '.0f'), format_cell(s_train, '.0f'),
        _times(t_train, s_train)]))
    lines.append(table_row([
        'peak inference memory (MB, bs1)', 'n/a', 'n/a', 'n/a',
        format_cell(t.get('peak_infer_mb'), '.0f'),
        format_cell(s.get('peak_infer_mb'), '.0f'),
        _times(t.get('peak_infer_mb'), s.get('peak_infer_mb'))]))
    lines.append(table_row([
        'clips/s bs1 (seed: FPS)', f'{seed["fps"][0]:g}',
        f'{seed["fps"][1]:g}', _times(seed['fps'][1], seed['fps'][0]),
        format_cell(t_fps, '.2f'), format_cell(s_fps, '.1f'),
        _times(s_fps, t_fps)]))
    lines += ['', (
        f'Seed: its SlowFast fall detector made light (accuracy '
        f'{seed["accuracy"][0]:g}% -> {seed["accuracy"][1]:g}%, not '
        'measured here: cost only). Ours: '
        f'{teacher} at {_shape_text(t["input_shape"])}, {light} at '
        f'{_shape_text(s["input_shape"])}, measured in this run. The seed '
        'does not say how it measured memory or FPS.')]
    return '\n'.join(lines)


def entry_rows(entries: Sequence[Any], shapes: Dict[Optional[str], str],
               work_dir: str, int8_of: Sequence[str]) -> Tuple[
                   List[Any], Dict[str, Dict[str, Any]], Dict[str, str]]:
    """Resolve each model's input-shape options, make the pruned
    architecture where a config prunes and has no file, and add the INT8
    rows of the models named in ``int8_of``.

    Args:
        entries (Sequence[ModelEntry]): The models.
        shapes (dict): ``{name or None: 'TxHxW' or 'HxW'}``.
        work_dir (str): Where made files go (``work_dir/NAME/``).
        int8_of (Sequence[str]): Models to make INT8 rows of.

    Returns:
        tuple: All entries (INT8 rows after their source), their
        ``--cfg-options`` dicts and the source of each INT8 row.
    """
    from mmlight.reports.edge_benchmark import ModelEntry
    from mmlight.utils import load_config
    out, options, sources = [], {}, {}
    for entry in entries:
        name = entry['name']
        cfg = load_config(entry['config'])
        text = shapes.get(name, shapes.get(None))
        opts = input_shape_options(cfg, *parse_shape(text)) if text else {}
        cfg.merge_from_dict(opts)
        if entry['file'] is None:
            made = pruned_architecture(
                cfg, osp.join(work_dir, name, 'pruned_architecture.pth'))
            if made is not None:
                entry = ModelEntry(entry, file=made, untrained=True)
        out.append(entry)
        options[name] = opts
        if name in int8_of:
            files = make_int8_files(cfg, entry['file'],
                                    osp.join(work_dir, name))
            for key, path in files.items():
                row = f'{name}_{key}'
                out.append(ModelEntry(name=row, config=entry['config'],
                                      file=path, kind=INT8_KINDS[key][0],
                                      untrained=True))
                options[row] = copy.deepcopy(opts)
                sources[row] = name
    return out, options, sources
