"""How much training memory a batch costs: measured by a short probe of the
actual model, for :class:`~mmlight.datasets.MemoryAwareBatchSampler`."""
import itertools
import re
from typing import Any, Dict, Sequence, Tuple, Union

import torch
from torch import nn

__all__ = [
    'parse_memory', 'batch_training_bytes', 'model_state_bytes',
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


def batch_training_bytes(model: nn.Module, data: Dict[str, Any]) -> int:
    """Memory one forward and backward of a preprocessed batch needs beyond
    the model's own state.

    On a CUDA model: ``torch.cuda.max_memory_allocated`` over the step
    minus what was allocated before it. On the CPU (no allocator to ask):
    the inputs plus every tensor autograd saves for the backward pass
    except the model's weights, counted once per storage
    (``torch.autograd.graph.saved_tensors_hooks``);
    that is the activation memory the backward needs, which dominates and
    grows with the input.

    Args:
        model (nn.Module): An MMEngine model in train mode.
        data (dict): ``model.data_preprocessor(batch, True)``.

    Returns:
        int: Bytes.
    """
    inputs = data['inputs']
    device = inputs.device
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
    storages: Dict[int, int] = {}
    # weights saved for the backward are the model's own state, not the
    # batch's
    own = {t.untyped_storage().data_ptr()
           for t in itertools.chain(model.parameters(), model.buffers())}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in own:
            storages[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        losses = model(**data, mode='loss')
    loss, _ = model.parse_losses(losses)
    loss.backward()
    model.zero_grad(set_to_none=True)
    if device.type == 'cuda':
        torch.cuda.synchronize(device)
        return int(torch.cuda.max_memory_allocated(device) - before)
    storages.setdefault(inputs.untyped_storage().data_ptr(),
                        inputs.untyped_storage().nbytes())
    return int(sum(storages.values()))


def probe_bytes_per_element(model: nn.Module, dataset: Any,
                            indices: Sequence[int],
                            elements: Sequence[float]
                            ) -> Tuple[float, Dict[int, Dict[str, float]]]:
    """Training bytes per estimated input element, from real samples.

    Each sample of ``indices`` goes alone through the dataset's pipeline,
    the model's data preprocessor and one forward and backward
    (:func:`batch_training_bytes`); the factor is the largest ratio of its
    bytes to its estimated elements, so no probed sample is under-estimated.

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
        data = model.data_preprocessor(pseudo_collate([dataset[index]]),
                                       True)
        used = batch_training_bytes(model, data)
        details[int(index)] = dict(bytes=float(used),
                                   elements=float(estimate),
                                   input_numel=float(data['inputs'].numel()))
    factor = max(d['bytes'] / d['elements'] for d in details.values())
    return factor, details
