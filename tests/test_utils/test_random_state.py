import io
import random

import numpy as np
import torch

from mmlight.utils.random_state import get_random_state, set_random_state


def draw():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_round_trip_through_a_weights_only_checkpoint():
    state = get_random_state()
    first = draw()
    buf = io.BytesIO()
    torch.save(dict(random_state=state), buf)
    buf.seek(0)
    loaded = torch.load(buf, weights_only=True)['random_state']
    draw()
    set_random_state(loaded)
    assert draw() == first


def test_cuda_states_of_other_gpus_restore_the_cpu_ones_only():
    state = get_random_state()
    first = draw()
    state['cuda'] = [torch.zeros(16, dtype=torch.uint8)] * 9  # 9 GPUs
    assert set_random_state(state) is False
    assert draw() == first
