"""ClassBalancedSampler: equal class shares, deterministic, split by rank."""
from collections import Counter

import numpy as np
import pytest

from mmlight.datasets import ClassBalancedSampler
from mmlight.datasets.samplers import balanced_indices


class Labels:
    def __init__(self, labels):
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def get_data_info(self, i):
        return dict(label=self.labels[i])


def test_classes_are_drawn_equally_often():
    ds = Labels([0] * 90 + [1] * 10)
    sampler = ClassBalancedSampler(ds, num_samples=200, seed=0)
    indices = list(sampler)
    assert len(indices) == len(sampler) == 200
    counts = Counter(ds.labels[i] for i in indices)
    assert counts[0] == counts[1] == 100
    # the rare class repeats its 10 examples evenly; the common one shows
    # 100 distinct ones
    assert Counter(i for i in indices if ds.labels[i] == 1).most_common(1)[
        0][1] == 10
    assert len({i for i in indices if ds.labels[i] == 0}) == 90


def test_deterministic_per_epoch_and_different_across_epochs():
    ds = Labels([0, 1] * 20)
    a, b = ClassBalancedSampler(ds, seed=3), ClassBalancedSampler(ds, seed=3)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first


def test_ranks_take_disjoint_shares(monkeypatch):
    import mmlight.datasets.samplers.class_balanced_sampler as mod
    ds = Labels([0, 1, 2] * 10)
    shares = []
    for rank in (0, 1):
        monkeypatch.setattr(mod, 'get_dist_info', lambda r=rank: (r, 2))
        shares.append(list(ClassBalancedSampler(ds, num_samples=30, seed=1)))
    assert len(shares[0]) == len(shares[1]) == 15
    both = shares[0] + shares[1]
    full = balanced_indices(ds.labels, 30, np.random.default_rng([1, 0]))
    assert sorted(both) == sorted(full.tolist())


@pytest.mark.parametrize('num_samples', [0, -3, 2.5, True])
def test_bad_num_samples_is_refused(num_samples):
    with pytest.raises(ValueError, match='num_samples'):
        ClassBalancedSampler(Labels([0, 1]), num_samples=num_samples)
