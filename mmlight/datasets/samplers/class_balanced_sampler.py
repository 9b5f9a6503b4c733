"""A sampler that draws every class equally often."""
import math
from typing import Iterator, List, Optional, Sized

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmlight.registry import DATA_SAMPLERS

__all__ = ['ClassBalancedSampler', 'balanced_indices']


def balanced_indices(labels: List[int], num_samples: int,
                     rng: np.random.Generator) -> np.ndarray:
    """``num_samples`` indices, the classes taking turns.

    Each class's indices are shuffled and cycled (a class with fewer
    examples repeats them, one with more shows a different subset each
    epoch); the result is shuffled.

    Args:
        labels (list[int]): The label of every example.
        num_samples (int): Indices to draw.
        rng (np.random.Generator): The random source.

    Returns:
        np.ndarray: ``(num_samples,)`` indices.
    """
    labels_np = np.asarray(labels)
    classes = np.unique(labels_np)
    per_class = math.ceil(num_samples / len(classes))
    picked = []
    for c in classes:
        pool = np.flatnonzero(labels_np == c)
        reps = math.ceil(per_class / len(pool))
        cycle = np.concatenate([rng.permutation(pool) for _ in range(reps)])
        picked.append(cycle[:per_class])
    out = np.concatenate(picked)
    return rng.permutation(out)[:num_samples]


@DATA_SAMPLERS.register_module()
class ClassBalancedSampler(Sampler):
    """Sample the classes equally often, a fixed number of clips an epoch.

    A windowed fall dataset holds many more no-fall windows than fall
    windows (or the reverse, with dense fall windows); drawn uniformly the
    model sees mostly one class. This sampler draws ``num_samples`` clips
    an epoch, each class an equal share (:func:`balanced_indices`),
    deterministic from ``seed`` and the epoch (``set_epoch``, called by the
    runner), split across ranks like MMEngine's ``DefaultSampler``.

    Args:
        dataset (Sized): The dataset; labels are read with
            ``dataset.get_data_info(i)['label']``.
        num_samples (int, optional): Clips an epoch over all ranks.
            Defaults to None (the dataset's length).
        seed (int, optional): Random seed; None draws one shared by all
            ranks. Defaults to None.
    """

    def __init__(self, dataset: Sized, num_samples: Optional[int] = None,
                 seed: Optional[int] = None) -> None:
        if num_samples is not None and (isinstance(num_samples, bool) or
                                        not isinstance(num_samples, int)
                                        or num_samples < 1):
            raise ValueError('ClassBalancedSampler: num_samples must be a '
                             f'positive int or None, got {num_samples!r}')
        self.dataset = dataset
        self.rank, self.world_size = get_dist_info()
        self.seed = sync_random_seed() if seed is None else seed
        self.labels = [int(dataset.get_data_info(i)['label'])
                       for i in range(len(dataset))]
        if not self.labels:
            raise ValueError('ClassBalancedSampler: the dataset is empty')
        self.total = num_samples or len(self.labels)
        self.num_samples = math.ceil(self.total / self.world_size)
        self.epoch = 0

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng([self.seed, self.epoch])
        indices = balanced_indices(self.labels,
                                   self.num_samples * self.world_size, rng)
        return iter(indices[self.rank::self.world_size].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Draw another set of clips for ``epoch``."""
        self.epoch = epoch

