"""The training-memory table: what each memory saver buys, measured.

The logic behind ``tools/analysis/training_memory.py``, and the training
step every report measures. For each model (teacher, student, ...) and
each variant (plain, gradient checkpointing, AMP, both) one training step
at a fixed batch is run in a fresh process
(:func:`~mmlight.measure.runtime.peak_training_memory` of
:func:`recognizer_train_step`): peak memory and seconds per step, same
random batch for every variant. With a budget, a last row per model lets
:class:`~mmlight.datasets.samplers.MemoryAwareBatchSampler` pack the
config's train split under it and trains one step on its largest batch,
so its estimate stands next to the measured peak.
"""
import copy
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import torch
from torch import nn

from mmlight.measure.runtime import (CPU_TRAIN_MEMORY_METHOD,
                                     CUDA_TRAIN_MEMORY_METHOD,
                                     peak_training_memory)
from mmlight.reports.common import (failed_section, failure_line,
                                    format_cell,
                                    load_recognizer, plain, plain_cfg,
                                    table_head, table_row)

__all__ = ['VARIANTS', 'enable_checkpointing', 'recognizer_train_step',
           'sampler_batches', 'measure_training_memory',
           'format_training_memory_table', 'packed_batch_step',
           'measure_packed_batches', 'format_packed_batches_table']

#: Variant name to ``(amp, with_cp)``.
VARIANTS = {
    'plain': (False, False),
    'checkpointing': (False, True),
    'AMP': (True, False),
    'AMP + checkpointing': (True, True),
}


def enable_checkpointing(model: nn.Module) -> int:
    """Switch gradient checkpointing on wherever the model offers it.

    Modules with ``set_grad_checkpointing`` (mmlight's backbones) are
    told so; any other module with a ``with_cp`` attribute (mmlight's
    heads, MMAction2's ResNet3d and X3D blocks) gets ``with_cp = True``.

    Args:
        model (nn.Module): The model, changed in place.

    Returns:
        int: How many modules were switched.
    """
    count = 0
    for module in model.modules():
        if hasattr(module, 'set_grad_checkpointing'):
            module.set_grad_checkpointing(True)
            count += 1
        elif isinstance(getattr(module, 'with_cp', None), bool):
            module.with_cp = True
            count += 1
    return count


def _sgd_wrapper(model: nn.Module, amp: bool) -> Any:
    """SGD with momentum (one state tensor a weight, as the configs
    train) in mmlight's ``AmpOptimWrapper`` when ``amp``, else MMEngine's
    plain ``OptimWrapper``."""
    from mmengine.optim import OptimWrapper

    from mmlight.engine.optim_wrappers.amp_optim_wrapper import \
        AmpOptimWrapper
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    return AmpOptimWrapper(optimizer=optimizer) if amp \
        else OptimWrapper(optimizer=optimizer)


def recognizer_train_step(cfg_dict: dict, checkpoint: Optional[str],
                          batch_size: int, amp: bool = False,
                          with_cp: bool = False, seed: int = 0,
                          device: str = 'cpu') -> Callable[[], None]:
    """Build what one training step needs; return the step.

    The recognizer of ``cfg_dict['model']`` (its checkpoint loaded, pruned
    shapes included) in train mode, an SGD optimizer with momentum (one
    state tensor per parameter, as the configs train) and one batch of
    ``batch_size`` random clips of the test clip's shape (already
    normalised: the data preprocessor's work is not training memory) with
    random labels. A step is MMEngine's ``train_step`` minus the
    preprocessor: ``model(inputs, data_samples, mode='loss')``, the summed
    losses, backward and the optimizer step, through an optim wrapper:
    mmlight's :class:`~mmlight.engine.optim_wrappers.AmpOptimWrapper`
    (bf16 autocast on CPU, fp16 with loss scaling on GPU, classifier in
    fp32) when ``amp``, else MMEngine's plain ``OptimWrapper``.

    Args:
        cfg_dict (dict): ``model``, ``default_scope`` and the test
            pipeline's config (``test_dataloader``), as plain dicts
            (:func:`~mmlight.reports.common.plain_cfg`).
        checkpoint (str, optional): Weights to load. Defaults to None.
        batch_size (int): Clips per batch.
        amp (bool): Mixed precision. Defaults to False.
        with_cp (bool): Gradient checkpointing
            (:func:`enable_checkpointing`). Defaults to False.
        seed (int): Seed of the batch. Defaults to 0.
        device (str): ``'cpu'`` or ``'cuda'``. Defaults to ``'cpu'``.

    Returns:
        Callable[[], None]: One training step.
    """
    from mmaction.structures import ActionDataSample
    from mmengine.config import Config

    from mmlight.measure.complexity import infer_input_shape
    cfg = Config(cfg_dict)
    model = load_recognizer(cfg_dict, checkpoint).to(device).train()
    if with_cp and not enable_checkpointing(model):
        raise ValueError('with_cp: the model has no module that supports '
                         'gradient checkpointing')
    shape = (batch_size, ) + tuple(infer_input_shape(cfg))[1:]
    num_classes = model.cls_head.num_classes
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(shape, generator=generator).to(device)
    labels = torch.randint(num_classes, (batch_size, ), generator=generator)
    samples = [ActionDataSample().set_gt_label(int(label))
               for label in labels]
    wrapper = _sgd_wrapper(model, amp)

    def step() -> None:
        with wrapper.optim_context(model):
            losses = model(inputs, samples, mode='loss')
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        wrapper.update_params(loss)

    return step


def _packing_sampler(cfg: Any, max_memory: Union[int, str],
                     batch_size: int, amp: bool, with_cp: bool) -> Any:
    """The config's train split under a ``MemoryAwareBatchSampler`` (the
    config's own ``frames``, ``scale`` and ``size_cache`` if it has one)."""
    from mmengine.dataset import DefaultSampler

    from mmlight.datasets.samplers import MemoryAwareBatchSampler
    from mmlight.registry import DATASETS
    dataset = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    probe = plain(cfg.model)
    if with_cp:
        probe.setdefault('backbone', {})['with_cp'] = True
    sampler_cfg = dict(cfg.train_dataloader.get('batch_sampler') or {})
    return MemoryAwareBatchSampler(
        DefaultSampler(dataset, shuffle=True, seed=0), batch_size,
        max_memory, probe_model=probe, optimizer_slots=1,
        probe_dtype='auto' if amp else None,
        frames=sampler_cfg.get('frames'),
        scale=sampler_cfg.get('scale', 1.0),
        size_cache=sampler_cfg.get('size_cache'))


def sampler_batches(cfg: Any, max_memory: Union[int, str],
                    batch_size: int = 64, amp: bool = False,
                    with_cp: bool = False) -> Dict[str, Any]:
    """Pack the config's train split with ``MemoryAwareBatchSampler``.

    The sampler probes ``cfg.model`` (checkpointed and autocast as the
    variant trains; SGD with momentum: one optimizer state per weight) and
    packs epoch 0 under ``max_memory``.

    Args:
        cfg (Config): A loaded config with a ``train_dataloader``.
        max_memory (int | str): The budget, e.g. ``'512MB'``.
        batch_size (int): The most clips a batch may hold. Defaults to 64.
        amp (bool): Probe under autocast. Defaults to False.
        with_cp (bool): Probe with gradient checkpointing (the model's
            ``backbone.with_cp``). Defaults to False.

    Returns:
        dict: ``batches`` (their sizes), ``largest`` (the biggest batch's
        size) and ``estimate_mb`` (the sampler's estimate for it).
    """
    sampler = _packing_sampler(cfg, max_memory, batch_size, amp, with_cp)
    batches = list(sampler)
    largest = max(batches, key=len)
    return dict(batches=[len(b) for b in batches], largest=len(largest),
                estimate_mb=sampler.estimated_bytes(largest) / 2**20)


def measure_training_memory(name: str, cfg: Any,
                            checkpoint: Optional[str] = None,
                            batch_size: int = 8,
                            variants: Sequence[str] = tuple(VARIANTS),
                            max_memory: Optional[Union[int, str]] = None,
                            device: str = 'cpu', threads: int = 2,
                            steps: int = 3) -> List[Dict[str, Any]]:
    """One model's rows of the training-memory table.

    Args:
        name (str): The model's name in the table.
        cfg (Config): Its loaded config (data root already set).
        checkpoint (str, optional): Weights to load (a pruned model's
            checkpoint gives its pruned shapes). Defaults to None.
        batch_size (int): The fixed batch. Defaults to 8.
        variants (Sequence[str]): Keys of :data:`VARIANTS`.
        max_memory (int | str, optional): Add a memory-aware sampler row
            (with the last variant's savers) under this budget. Defaults
            to None.
        device (str): ``'cpu'`` or ``'cuda'``. Defaults to ``'cpu'``.
        threads (int): CPU threads. Defaults to 2.
        steps (int): Training steps per row. Defaults to 3.

    Returns:
        list[dict]: ``model``, ``variant``, ``batch``, ``peak_mb``,
        ``s_per_step``, ``clips_per_s``, ``estimate_mb`` (sampler rows)
        and ``error``.
    """
    from mmlight.utils.config import ensure_default_scope
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise ValueError(f'unknown variants {unknown}; choose from '
                         f'{list(VARIANTS)}')
    ensure_default_scope(cfg)
    cfg_dict = plain_cfg(cfg)
    plan = [(v, *VARIANTS[v], batch_size, None) for v in variants]
    if max_memory is not None:
        amp, with_cp = VARIANTS[variants[-1]] if variants else (False, False)
        packed = sampler_batches(cfg, max_memory, amp=amp, with_cp=with_cp)
        label = f'memory-aware sampler ({max_memory}'
        label += f', {variants[-1]})' if variants else ')'
        plan.append((label, amp, with_cp, packed['largest'],
                     packed['estimate_mb']))
    rows = []
    for variant, amp, with_cp, batch, estimate in plan:
        row = dict(model=name, variant=variant, batch=batch, peak_mb=None,
                   s_per_step=None, clips_per_s=None, estimate_mb=estimate,
                   device=device, error=None)
        try:
            row['peak_mb'], row['s_per_step'] = peak_training_memory(
                recognizer_train_step,
                (cfg_dict, checkpoint, batch, amp, with_cp), device,
                threads, steps)
            row['clips_per_s'] = batch / row['s_per_step']
        except Exception as e:  # one variant must not end the table
            row['error'] = f'{type(e).__name__}: {e}'
        rows.append(row)
    return rows


def format_training_memory_table(rows: Sequence[Dict[str, Any]]) -> str:
    """The rows as markdown; each model's first row is its reference for
    the 'vs plain' column.

    Args:
        rows (Sequence[dict]): :func:`measure_training_memory` rows.

    Returns:
        str: The table, how it was measured, and failures.
    """
    head = ['model', 'variant', 'batch', 'peak train mem (MB)',
            'vs first row', 'sampler estimate (MB)', 's/step', 'clips/s']
    lines = table_head(head)
    first: Dict[str, Dict[str, Any]] = {}
    errors = []
    for row in rows:
        ref = first.setdefault(row['model'], row)
        rel = 'n/a'
        if row['peak_mb'] and ref['peak_mb']:
            rel = f'{row["peak_mb"] / ref["peak_mb"]:.2f}x'
        if row.get('error'):
            errors.append(failure_line(f'{row["model"]} / {row["variant"]}',
                                       row['error']))
        lines.append(table_row([
            row['model'], row['variant'], str(row['batch']),
            format_cell(row['peak_mb'], '.1f'), rel,
            format_cell(row.get('estimate_mb'), '.1f'),
            format_cell(row['s_per_step'], '.3f'),
            format_cell(row['clips_per_s'], '.1f')
        ]))
    device = rows[0]['device'] if rows else 'cpu'
    method = CUDA_TRAIN_MEMORY_METHOD if device == 'cuda' \
        else CPU_TRAIN_MEMORY_METHOD
    lines += ['', f'One training step (SGD with momentum; AMP: mmlight\'s '
              f'AmpOptimWrapper, bf16 on CPU / fp16 on GPU, classifier in '
              f'fp32), same random batch per model; peak memory ({device}): '
              f'{method}; s/step: median of the steps after the first. The '
              'sampler row trains the largest batch MemoryAwareBatchSampler '
              'packs from the train split under the budget, its estimate '
              'beside the measured peak.']
    lines += failed_section(errors)
    return '\n'.join(lines)


def packed_batch_step(cfg_dict: dict, indices: List[int], amp: bool = False,
                      with_cp: bool = False,
                      device: str = 'cpu') -> Any:
    """One real training step on the clips ``indices`` of the train split.

    The config's train dataset and pipeline read the clips (each at its
    own size; the data preprocessor pads the batch to its largest), the
    recognizer trains through MMEngine's ``train_step`` with SGD with
    momentum (one state a weight, as the sampler's probe assumes), under
    mmlight's ``AmpOptimWrapper`` when ``amp``.

    Args:
        cfg_dict (dict): ``model``, ``default_scope`` and
            ``train_dataloader`` of the config, as plain dicts.
        indices (list[int]): The batch's samples.
        amp (bool): Mixed precision. Defaults to False.
        with_cp (bool): Gradient checkpointing. Defaults to False.
        device (str): ``'cpu'`` or ``'cuda'``. Defaults to ``'cpu'``.

    Returns:
        Callable[[], None]: The step (the clips are read once, here).
    """
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate

    from mmlight.registry import DATASETS
    from mmlight.utils.config import ensure_default_scope
    cfg = Config(cfg_dict)
    ensure_default_scope(cfg)
    dataset = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    data = pseudo_collate([dataset[i] for i in indices])
    model = load_recognizer(cfg_dict).to(device).train()
    if with_cp:
        enable_checkpointing(model)
    wrapper = _sgd_wrapper(model, amp)

    def step() -> None:
        model.train_step(data, wrapper)

    return step


def measure_packed_batches(cfg: Any, max_memory: Union[int, str],
                           batch_size: int = 32, amp: bool = False,
                           with_cp: bool = False, device: str = 'cpu',
                           threads: int = 2) -> List[Dict[str, Any]]:
    """Pack the train split under a budget, then train every packed batch
    on its real clips in a fresh process and measure its peak.

    Args:
        cfg (Config): A loaded config with a ``train_dataloader``.
        max_memory (int | str): The budget, e.g. ``'3GB'``.
        batch_size (int): The most clips a batch may hold. Defaults to 32.
        amp (bool): Mixed precision (the sampler probes under autocast
            too). Defaults to False.
        with_cp (bool): Gradient checkpointing. Defaults to False.
        device (str): ``'cpu'`` or ``'cuda'``. Defaults to ``'cpu'``.
        threads (int): CPU threads. Defaults to 2.

    Returns:
        list[dict]: One a batch: ``batch`` (its index), ``clips``,
        ``largest`` (its largest clip as ``TxHxW`` read from the video),
        ``estimate_mb``, ``peak_mb``, ``budget_mb``, ``s_per_step`` and
        ``error``.
    """
    from mmlight.datasets.clip_size import dataset_clip_sizes
    from mmlight.measure.memory_probe import parse_memory
    from mmlight.utils.config import ensure_default_scope
    ensure_default_scope(cfg)
    sampler = _packing_sampler(cfg, max_memory, batch_size, amp, with_cp)
    batches = list(sampler)
    dataset = sampler.sampler.dataset
    sizes = dataset_clip_sizes(
        [dataset.get_data_info(i) for i in range(len(dataset))],
        sampler.size_cache)
    cfg_dict = plain_cfg(cfg)
    cfg_dict['train_dataloader'] = plain(cfg.train_dataloader)
    budget = parse_memory(max_memory) / 2**20
    rows = []
    for i, batch in enumerate(batches):
        t, h, w, _ = max((sizes[j] for j in batch),
                         key=lambda s: s[0] * s[1] * s[2])
        row = dict(batch=i, clips=len(batch), largest=f'{t}x{h}x{w}',
                   estimate_mb=sampler.estimated_bytes(batch) / 2**20,
                   peak_mb=None, budget_mb=budget, s_per_step=None,
                   device=device, error=None)
        try:
            row['peak_mb'], row['s_per_step'] = peak_training_memory(
                packed_batch_step, (cfg_dict, list(batch), amp, with_cp),
                device, threads, steps=2)
        except Exception as e:  # one batch must not end the table
            row['error'] = f'{type(e).__name__}: {e}'
        rows.append(row)
    return rows


def format_packed_batches_table(rows: Sequence[Dict[str, Any]]) -> str:
    """:func:`measure_packed_batches` as markdown, with the verdict."""
    head = ['batch', 'clips', 'largest clip (TxHxW, video)',
            'sampler estimate (MB)', 'measured peak (MB)', 'budget (MB)',
            'within budget']
    lines = table_head(head)
    for row in rows:
        within = 'n/a' if row['peak_mb'] is None else (
            'yes' if row['peak_mb'] <= row['budget_mb'] else 'NO')
        lines.append(table_row([
            str(row['batch']), str(row['clips']), row['largest'],
            format_cell(row['estimate_mb'], '.0f'),
            format_cell(row['peak_mb'], '.0f'),
            f'{row["budget_mb"]:.0f}', within]))
    measured = [r for r in rows if r['peak_mb'] is not None]
    if measured:
        worst = max(measured, key=lambda r: r['peak_mb'])
        lines += ['', (
            f'{len(measured)} of {len(rows)} packed batches trained on their '
            f'own clips, each in a fresh process (MMEngine train_step, SGD '
            f'with momentum; peak: {_method(rows[0]["device"])}, which also '
            'counts the decoded clips); the highest peak '
            f'{worst["peak_mb"]:.0f} MB (batch {worst["batch"]}, '
            f'{worst["clips"]} clips) against the budget '
            f'{worst["budget_mb"]:.0f} MB.')]
    errors = [failure_line(f'batch {r["batch"]}', r['error'])
              for r in rows if r.get('error')]
    lines += failed_section(errors)
    return '\n'.join(lines)


def _method(device: str) -> str:
    return CUDA_TRAIN_MEMORY_METHOD if device == 'cuda' \
        else CPU_TRAIN_MEMORY_METHOD
