import math

import pytest
import torch
from torch import nn

from mmlight.measure.runtime import peak_memory, time_calls


def test_time_calls_counts_calls_and_restores_threads():
    calls = []
    threads = torch.get_num_threads()
    rate = time_calls(calls.append, 'x', threads=1, min_iters=5,
                      min_seconds=0.0, warmup=2)
    assert len(calls) >= 7 and set(calls) == {'x'}
    assert rate > 0 and math.isfinite(rate)
    assert torch.get_num_threads() == threads
    with pytest.raises(ValueError, match='min_iters'):
        time_calls(calls.append, 'x', min_iters=0)


def test_peak_memory_checks_the_device():
    # A recognizer's peak memory: tests/test_reports/test_common.py.
    with pytest.raises(ValueError, match="device must be"):
        peak_memory(nn.Linear, (), (1, ), device='tpu')


def test_peak_memory_of_a_large_layer():
    big = peak_memory(nn.Linear, (4096, 4096), (1, 4096), threads=1)
    assert 60 <= big < 400  # 64 MB of weights plus allocator slack
