"""How much training memory a batch costs: measured by a short probe of the
actual model, for :class:`~mmlight.datasets.MemoryAwareBatchSampler`."""
import os
import re
from typing import Any, Callable, Dict, List, Sequence, Tuple, Union

import torch
from torch import nn

__all__ = [
    'parse_memory', 'batch_training_bytes', 'cpu_peak_bytes',
    'model_state_bytes',
    'probe_bytes_per_element'
]

_UNITS = {'': 1, 'B': 1, 'K': 2**10, 'M': 2**20, 'G': 2**30, 'T': 2**40}


def parse_memory(value: Union[int, float, str], what: str = 'max_memory'
                 ) -> int:
    """``'3GB'``, ``'512 MiB'``, ``'1.5G'`` or a number of bytes, in bytes.

    Units are binary: KB = KiB = 1024 bytes, MB = 2**20, GB = 2**30, TB =
    2**40 (what ``torch.cuda.max_memory_allocated`` and ``free -h`` use).

    Args:
        value (int | float | str): The amount.
        what (str): Its name, for the error. Defaults to ``'max_memory'``.

    Returns:
        int: Bytes.

    Raises:
        ValueError: Not a positive amount of memory.
    """
    if isinstance(value, bool):
        raise ValueError(f'`{what}` must be bytes or a string like "3GB", '
                         f'got {value!r}')
    if isinstance(value, (int, float)):
        amount = float(value)
    else:
        match = re.fullmatch(r'\s*([0-9]*\.?[0-9]+)\s*([KMGT]?)(i?B)?\s*',
                             str(value), re.IGNORECASE)
        if match is None:
            raise ValueError(f'`{what}` must be bytes or a string like "3GB"'
                             f' or "512MiB", got {value!r}')
        amount = float(match.group(1)) * _UNITS[match.group(2).upper()]
    if amount <= 0:
        raise ValueError(f'`{what}` must be positive, got {value!r}')
    return int(amount)


def model_state_bytes(model: nn.Module, optimizer_slots: int = 2) -> int:
    """Memory a training run holds whatever the batch: weights, their
    gradients and ``optimizer_slots`` optimizer states per weight (AdamW:
    2, SGD with momentum: 1), plus buffers.

    Args:
        model (nn.Module): The model.
        optimizer_slots (int): State tensors per parameter. Defaults to 2.

    Returns:
        int: Bytes.
    """
    params = sum(p.numel() * p.element_size() for p in model.parameters()
                 if p.requires_grad)
    frozen = sum(p.numel() * p.element_size() for p in model.parameters()
                 if not p.requires_grad)
    buffers = sum(b.numel() * b.element_size() for b in model.buffers())
    return params * (2 + optimizer_slots) + frozen + buffers


def cpu_peak_bytes(fn: Callable[[], Any]) -> int:
    """Peak bytes the CPU allocator held for ``fn()`` beyond what it held
    before.

    PyTorch's profiler with ``profile_memory=True`` records every CPU
    allocation and free of tensor storage (its ``[memory]`` events); their
    running sum in time order peaks where ``fn`` held the most. It sees
    what activation checkpointing recomputes in the backward, the
    temporaries of each operator and autocast's casts: everything PyTorch
    allocates, not only what autograd saves.

    Args:
        fn (Callable[[], Any]): What to measure, e.g. a forward and
            backward.

    Returns:
        int: Bytes, 0 if nothing was allocated.
    """
    from torch.profiler import ProfilerActivity, profile

    # Kineto (the profiler's backend) logs its start and stop, and a failed
    # GPU query on a CPU-only machine, to stderr; errors only, read when it
    # first starts.
    os.environ.setdefault('KINETO_LOG_LEVEL', '5')
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True,
                 record_shapes=False) as prof:
        fn()
    events = sorted((e.start_ns(), e.nbytes())
                    for e in prof.profiler.kineto_results.events()
                    if e.name() == '[memory]')
    held = peak = 0
    for _, nbytes in events:
        held += nbytes
        peak = max(peak, held)
    return int(peak)


def _input_tensors(inputs: Any) -> List[torch.Tensor]:
    """The tensors of a preprocessed ``inputs``: a batch tensor, or a list
    of clips (a distillation algorithm's preprocessor only moves them)."""
    if isinstance(inputs, torch.Tensor):
        return [inputs]
    if isinstance(inputs, (list, tuple)) and inputs and all(
            isinstance(t, torch.Tensor) for t in inputs):
        return list(inputs)
    raise TypeError('inputs must be a tensor or a non-empty list of '
                    f'tensors, got {type(inputs).__name__}')


def decoded_bytes(batch_inputs: Any, inputs: Any) -> int:
    """Bytes of a collated batch's clips that its preprocessed ``inputs``
    do not share (a CPU preprocessor that only casts or moves may return
    the same storage).

    Args:
        batch_inputs: ``pseudo_collate(...)['inputs']``: the loader's clips,
            e.g. ``uint8`` tensors of shape ``(num_clips, C, T, H, W)``.
        inputs: What the data preprocessor made of them.

    Returns:
        int: Bytes held twice over the training step.
    """
    kept = {t.untyped_storage().data_ptr() for t in _input_tensors(inputs)}
    return sum(t.untyped_storage().nbytes()
               for t in _input_tensors(batch_inputs)
               if t.untyped_storage().data_ptr() not in kept)


def batch_training_bytes(model: nn.Module, data: Dict[str, Any]) -> int:
    """Memory one forward and backward of a preprocessed batch needs beyond
    the model's own state.

    On a CUDA model: ``torch.cuda.max_memory_allocated`` over the step
    minus what was allocated before it. On the CPU: the inputs plus the
    allocator's peak over the step (:func:`cpu_peak_bytes`): activations
    kept for the backward, what checkpointing recomputes, operator
    temporaries and the gradients (also counted in the fixed part: an
    over-estimate by one copy of the weights, on the safe side).

    Args:
        model (nn.Module): An MMEngine model in train mode.
        data (dict): ``model.data_preprocessor(batch, True)``; its
            ``inputs`` a tensor or a list of clip tensors.

    Returns:
        int: Bytes.
    """
    inputs = _input_tensors(data['inputs'])
    device = inputs[0].device

    def step() -> None:
        losses = model(**data, mode='loss')
        loss, _ = model.parse_losses(losses)
        loss.backward()

    model.zero_grad(set_to_none=True)
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        step()
        torch.cuda.synchronize(device)
        used = int(torch.cuda.max_memory_allocated(device) - before)
    else:
        used = cpu_peak_bytes(step) + sum(
            t.untyped_storage().nbytes() for t in inputs)
    model.zero_grad(set_to_none=True)
    return used


def probe_bytes_per_element(model: nn.Module, dataset: Any,
                            indices: Sequence[int],
                            elements: Sequence[float]
                            ) -> Tuple[float, Dict[int, Dict[str, float]]]:
    """Training bytes per estimated input element, from real samples.

    Each sample of ``indices`` goes alone through the dataset's pipeline,
    the model's data preprocessor and one forward and backward
    (:func:`batch_training_bytes`); on the CPU the decoded clip counts too
    (:func:`decoded_bytes`: the runner holds the loader's batch over the
    step, beside its preprocessed copy). The factor is the largest ratio of
    its bytes to its estimated elements, so no probed sample is
    under-estimated.

    Args:
        model (nn.Module): The model to probe (a throwaway copy: BatchNorm
            statistics change), on the device it will train on.
        dataset: The training dataset (``dataset[i]`` runs its pipeline).
        indices (Sequence[int]): The samples to probe.
        elements (Sequence[float]): Their estimated input elements.

    Returns:
        tuple: The factor (bytes per element), and per probed index its
        ``bytes``, ``elements`` (estimated) and ``input_numel`` (actual).
    """
    from mmengine.dataset import pseudo_collate
    model.train()
    details: Dict[int, Dict[str, float]] = {}
    for index, estimate in zip(indices, elements):
        batch = pseudo_collate([dataset[index]])
        data = model.data_preprocessor(batch, True)
        used = batch_training_bytes(model, data)
        if _input_tensors(data['inputs'])[0].device.type == 'cpu':
            used += decoded_bytes(batch['inputs'], data['inputs'])
        details[int(index)] = dict(bytes=float(used),
                                   elements=float(estimate),
                                   input_numel=float(sum(
                                       t.numel() for t in _input_tensors(
                                           data['inputs']))))
    factor = max(d['bytes'] / d['elements'] for d in details.values())
    return factor, details
