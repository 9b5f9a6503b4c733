"""Batches of variable-size clips packed under a training-memory budget."""
import copy
import logging
import math
from typing import Dict, Iterator, List, Optional, Sequence, Union

import torch
from mmengine.logging import print_log
from torch.utils.data import BatchSampler, Sampler

from mmlight.registry import DATA_SAMPLERS

__all__ = ['MemoryAwareBatchSampler', 'pack_batches']


def pack_batches(order: Sequence[int], elements: Sequence[float],
                 budget: float, max_batch: int, pool_batches: int = 16,
                 generator: Optional[torch.Generator] = None
                 ) -> List[List[int]]:
    """Pack samples into batches whose padded size stays within a budget.

    A batch is stacked with padding to its largest clip, so it costs
    ``len(batch) * max(elements)``. Samples are taken in ``order``, a pool
    of ``pool_batches * max_batch`` at a time; each pool is packed first
    fit decreasing (largest first, into the first batch with room), which
    puts clips of similar size together, and, with a ``generator``, its
    batches are shuffled.

    Args:
        order (Sequence[int]): Sample indices, in the sampler's order.
        elements (Sequence[float]): Cost of every sample of the dataset,
            indexed by sample index.
        budget (float): The most a batch may cost.
        max_batch (int): The most samples a batch holds.
        pool_batches (int): Pool size in batches; 1 packs in ``order``
            with little reordering. Defaults to 16.
        generator (torch.Generator, optional): Shuffles each pool's
            batches. Defaults to None (largest batches first).

    Returns:
        list[list[int]]: The batches; every index of ``order`` once.

    Raises:
        ValueError: A sample alone costs more than ``budget``.
    """
    pool_size = max(1, pool_batches * max_batch)
    batches: List[List[int]] = []
    for start in range(0, len(order), pool_size):
        pool = sorted(order[start:start + pool_size],
                      key=lambda i: -elements[i])
        packed: List[List[int]] = []
        for index in pool:
            cost = elements[index]
            if cost > budget:
                raise ValueError(f'sample {index} alone costs {cost:g}, '
                                 f'more than the budget {budget:g}')
            for batch in packed:
                # sorted: the batch's first sample is its largest
                if len(batch) < max_batch and (len(batch) + 1) * max(
                        elements[batch[0]], cost) <= budget:
                    batch.append(index)
                    break
            else:
                packed.append([index])
        if generator is not None:
            perm = torch.randperm(len(packed), generator=generator).tolist()
            packed = [packed[i] for i in perm]
        batches += packed
    return batches


def agree_on_max(values: Sequence[float]) -> List[float]:
    """The element-wise maximum of ``values`` over all ranks.

    A collective: under distributed training every rank must call it. In a
    single process it returns ``values`` unchanged.

    Args:
        values (Sequence[float]): This rank's numbers.

    Returns:
        list[float]: The largest of each over the ranks.
    """
    from mmengine.dist import all_reduce, get_world_size
    if get_world_size() < 2:
        return list(values)
    data = torch.tensor([float(v) for v in values], dtype=torch.float64)
    all_reduce(data, op='max')
    return data.tolist()


@DATA_SAMPLERS.register_module()
class MemoryAwareBatchSampler(BatchSampler):
    """Batches of variable-size clips whose estimated training memory stays
    under ``max_memory``.

    Each clip's cost is its estimated input elements (``frames x height x
    width x channels``, from the annotation or the video header, cached;
    ``frames`` and ``scale`` map them to what the pipeline gives the model)
    times the model's training bytes per element. That factor is measured
    once, when batches are first needed, by a short probe of the actual
    model (``probe_model``: built, run forward and backward on the smallest
    and the largest clip through the training pipeline, then dropped), or
    given as ``bytes_per_element``. A batch is packed to at most
    ``batch_size`` clips with ``fixed_bytes + len(batch) * max(cost)``
    (stacking pads to the largest clip) within the budget; see
    :func:`pack_batches`.

    The index order is the wrapped sampler's (kept as ``.sampler``, so
    ``set_epoch`` reaches it): shuffled from seed and epoch, and sharded
    per rank under distributed training. Batches are deterministic from
    seed and epoch; every rank yields the same number of batches (ranks
    with fewer repeat their first ones), as DDP needs.

    Args:
        sampler (Sampler): The index sampler, e.g. ``DefaultSampler``.
        batch_size (int): The most clips a batch holds (the dataloader's
            ``batch_size``).
        max_memory (int | str): The training memory budget, bytes or a
            string like ``'3GB'`` (binary units).
        probe_model (dict, optional): Config of the model to probe, usually
            the config's ``model``. Defaults to None.
        bytes_per_element (float, optional): Skip the probe: training bytes
            per input element. Defaults to None.
        fixed_bytes (int | str, optional): Memory every batch pays (weights,
            gradients, optimizer states). Defaults to None: that of
            ``probe_model`` with ``optimizer_slots``, or 0 without it.
        optimizer_slots (int): Optimizer states per weight (AdamW 2, SGD
            with momentum 1). Defaults to 2.
        probe_dtype (str, optional): Probe under autocast to this dtype
            (``'float16'``, ``'bfloat16'``), as mixed-precision training
            runs; ``'auto'``: what ``AmpOptimWrapper`` uses on the probe's
            device (float16 on a GPU, bfloat16 on the CPU). Defaults to
            None (float32).
        frames (int, optional): Frames the pipeline gives the model per
            clip (e.g. ``num_clips * clip_len``); None: the clip's own.
            Defaults to None.
        scale (float): The pipeline's spatial scale of a clip. Defaults to
            1.0.
        pool_batches (int): See :func:`pack_batches`. Defaults to 16.
        size_cache (str, optional): JSON cache of header sizes. Defaults to
            None.

    Raises:
        ValueError: Bad arguments, or (when batches are first needed) a
            clip that alone exceeds the budget, named with its file.

    Examples:
        >>> train_dataloader = dict(
        ...     batch_size=16,
        ...     sampler=dict(type='DefaultSampler', shuffle=True),
        ...     batch_sampler=dict(type='MemoryAwareBatchSampler',
        ...                        max_memory='3GB', probe_model=model),
        ...     ...)
    """

    def __init__(self,
                 sampler: Sampler,
                 batch_size: int,
                 max_memory: Union[int, str],
                 probe_model: Optional[dict] = None,
                 bytes_per_element: Optional[float] = None,
                 fixed_bytes: Optional[Union[int, str]] = None,
                 optimizer_slots: int = 2,
                 probe_dtype: Optional[str] = None,
                 frames: Optional[int] = None,
                 scale: float = 1.0,
                 pool_batches: int = 16,
                 size_cache: Optional[str] = None) -> None:
        from mmlight.utils.checks import check_positive_int
        from mmlight.measure.memory_probe import parse_memory
        super().__init__(sampler, check_positive_int('batch_size',
                                                     batch_size), False)
        self.max_memory = parse_memory(max_memory)
        if (probe_model is None) == (bytes_per_element is None):
            raise ValueError('give exactly one of `probe_model` (the model '
                             'config to measure) and `bytes_per_element`')
        if bytes_per_element is not None and not bytes_per_element > 0:
            raise ValueError('`bytes_per_element` must be > 0, got '
                             f'{bytes_per_element!r}')
        if not isinstance(scale, (int, float)) or not scale > 0:
            raise ValueError(f'`scale` must be > 0, got {scale!r}')
        if not hasattr(sampler, 'dataset'):
            raise ValueError('`sampler` must have a `dataset` (e.g. '
                             "DefaultSampler), got "
                             f'{type(sampler).__name__}')
        if not hasattr(sampler, '__len__'):
            raise ValueError('`sampler` must be finite (an epoch-based '
                             f'sampler), got {type(sampler).__name__}')
        self.probe_model = copy.deepcopy(probe_model)
        self.bytes_per_element = bytes_per_element
        self.fixed_bytes: Optional[int] = None
        if fixed_bytes is not None:
            self.fixed_bytes = 0 if fixed_bytes == 0 else parse_memory(
                fixed_bytes, 'fixed_bytes')
        self.optimizer_slots = check_positive_int(
            'optimizer_slots', optimizer_slots, minimum=0)
        if probe_dtype not in (None, 'auto', 'float16', 'bfloat16'):
            raise ValueError("`probe_dtype` must be None, 'auto', 'float16' "
                             f"or 'bfloat16', got {probe_dtype!r}")
        self.probe_dtype = probe_dtype
        self.frames = None if frames is None else check_positive_int(
            'frames', frames)
        self.scale = float(scale)
        self.pool_batches = check_positive_int('pool_batches', pool_batches)
        self.size_cache = size_cache
        self._elements: Optional[List[float]] = None
        self._batches: Dict[int, List[List[int]]] = {}

    # ------------------------------------------------------------ costs
    def _clip_elements(self) -> List[float]:
        from mmlight.datasets.clip_size import dataset_clip_sizes
        dataset = self.sampler.dataset
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]
        out = []
        for t, h, w, c in dataset_clip_sizes(infos, self.size_cache):
            t = t if self.frames is None else self.frames
            out.append(t * round(h * self.scale) * round(w * self.scale) * c)
        return out

    def _probe(self, elements: List[float]) -> None:
        """Measure ``bytes_per_element`` (and ``fixed_bytes`` unless set)
        on the probe model; the same on every rank."""
        from mmlight.models.utils.fp32_modules import keep_fp32
        from mmlight.registry import MODELS
        from mmlight.measure.memory_probe import (model_state_bytes,
                                                probe_bytes_per_element)
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
        model = MODELS.build(copy.deepcopy(self.probe_model)).to(device)
        smallest = min(range(len(elements)), key=elements.__getitem__)
        largest = max(range(len(elements)), key=elements.__getitem__)
        indices = sorted({smallest, largest})
        dtype = self.probe_dtype
        if dtype == 'auto':
            dtype = 'float16' if device == 'cuda' else 'bfloat16'
        if dtype is not None:  # as AmpOptimWrapper trains it
            keep_fp32(model, strict=False)
        with torch.autocast(device_type=device,
                            dtype=getattr(torch, dtype or 'float32'),
                            enabled=dtype is not None):
            factor, details = probe_bytes_per_element(
                model, self.sampler.dataset, indices,
                [elements[i] for i in indices])
        fixed = self.fixed_bytes
        if fixed is None:
            fixed = model_state_bytes(model, self.optimizer_slots)
        del model
        # Every rank probes its own process; ranks that packed with
        # different factors would run different numbers of batches (and
        # DDP would hang). All take the largest: every rank stays in budget.
        factor, fixed = agree_on_max([factor, fixed])
        self.bytes_per_element, self.fixed_bytes = factor, int(fixed)
        ratios = [d['input_numel'] / d['elements'] for d in details.values()]
        print_log(
            f'MemoryAwareBatchSampler: probed {len(indices)} clips on '
            f'{device}: {factor:.1f} training bytes per input element, '
            f'{self.fixed_bytes / 2**20:.1f} MiB fixed (set '
            f'bytes_per_element={factor:.1f} and fixed_bytes='
            f'{self.fixed_bytes} to skip the probe)', logger='current')
        if max(ratios) > 1.2 * min(ratios):
            print_log(
                'MemoryAwareBatchSampler: the pipeline\'s input sizes are '
                'not proportional to the estimated ones (actual/estimated '
                f'{[round(r, 3) for r in ratios]}); set `frames` and '
                '`scale` to what the pipeline keeps', logger='current',
                level=logging.WARNING)

    def _costs(self) -> List[float]:
        """Every clip's cost, in bytes; checked against the budget."""
        if self._elements is None:
            elements = self._clip_elements()
            if not elements:
                raise ValueError('MemoryAwareBatchSampler: the dataset is '
                                 'empty')
            if self.bytes_per_element is None:
                self._probe(elements)
            if self.fixed_bytes is None:
                self.fixed_bytes = 0
            self._elements = elements
            self._check_budget()
        return [e * self.bytes_per_element for e in self._elements]

    def _check_budget(self) -> None:
        budget = self.max_memory - self.fixed_bytes
        if budget <= 0:
            raise ValueError(
                f'max_memory={self.max_memory / 2**20:.1f} MiB is below the '
                f'model\'s fixed training memory '
                f'{self.fixed_bytes / 2**20:.1f} MiB (weights, gradients, '
                'optimizer states)')
        worst = max(range(len(self._elements)),
                    key=self._elements.__getitem__)
        need = self._elements[worst] * self.bytes_per_element
        if need > budget:
            info = self.sampler.dataset.get_data_info(worst)
            raise ValueError(
                f'MemoryAwareBatchSampler: sample {worst} '
                f'({info.get("filename", "?")}, '
                f'{self._elements[worst]:.0f} input elements) needs about '
                f'{need / 2**20:.1f} MiB to train on alone, more than '
                f'max_memory={self.max_memory / 2**20:.1f} MiB minus '
                f'{self.fixed_bytes / 2**20:.1f} MiB fixed; raise '
                'max_memory or shrink the clip (scale, frames)')

    # ---------------------------------------------------------- batches
    def _generator(self) -> Optional[torch.Generator]:
        if not getattr(self.sampler, 'shuffle', False):
            return None
        seed = int(getattr(self.sampler, 'seed', 0) or 0)
        epoch = int(getattr(self.sampler, 'epoch', 0) or 0)
        return torch.Generator().manual_seed(seed + epoch)

    def _pack(self, order: List[int], costs: List[float]) -> List[List[int]]:
        return pack_batches(order, costs, self.max_memory - self.fixed_bytes,
                            self.batch_size, self.pool_batches,
                            self._generator())

    def _epoch_batches(self) -> List[List[int]]:
        epoch = int(getattr(self.sampler, 'epoch', 0) or 0)
        if epoch not in self._batches:
            costs = self._costs()
            batches = self._pack(list(self.sampler), costs)
            world = int(getattr(self.sampler, 'world_size', 1) or 1)
            if world > 1:
                batches = self._equalize(batches, costs, world)
            self._batches = {epoch: batches}
        return self._batches[epoch]

    def _equalize(self, batches: List[List[int]], costs: List[float],
                  world: int) -> List[List[int]]:
        """Repeat this rank's first batches up to the longest rank's
        count: every rank packs every rank's shard the same way."""
        most = len(batches)
        for rank in range(world):
            if rank == self.sampler.rank:
                continue
            other = copy.copy(self.sampler)
            other.rank = rank
            most = max(most, len(self._pack(list(other), costs)))
        repeats = math.ceil(most / len(batches)) if batches else 0
        return (batches * repeats)[:most]

    def __iter__(self) -> Iterator[List[int]]:
        yield from self._epoch_batches()

    def __len__(self) -> int:
        return len(self._epoch_batches())

    def estimated_bytes(self, batch: Sequence[int]) -> float:
        """The estimate a batch was packed with: fixed memory plus its
        padded clips."""
        costs = self._costs()
        return self.fixed_bytes + len(batch) * max(costs[i] for i in batch)
