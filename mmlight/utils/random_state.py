"""The process's random number generator states, as checkpoint values.

A training run draws from four generators: Python's :mod:`random` and
NumPy's global one (augmentation in the main process), torch's CPU
generator (dropout, ``DataLoader`` base seeds, samplers without their own
generator) and, on a GPU, torch's CUDA generators. :func:`get_random_state`
captures all of them as plain values that ``torch.load(weights_only=True)``
reads back (tuples, ints, ``uint8``/``uint32`` tensors); :func:`set_random_state`
restores them bitwise.
"""
import random
from typing import Any, Dict

import numpy as np
import torch

__all__ = ['get_random_state', 'set_random_state']


def get_random_state() -> Dict[str, Any]:
    """The generator states of this process.

    Returns:
        dict: ``python`` (``random.getstate()``), ``numpy`` (the legacy
        ``MT19937`` state as a dict with a ``(624,)`` uint32 tensor ``key``),
        ``torch`` (``(5056,)`` uint8 tensor) and ``cuda`` (one uint8 tensor
        per visible GPU, empty without CUDA).
    """
    name, key, pos, has_gauss, gauss = np.random.get_state()
    return dict(
        python=random.getstate(),
        numpy=dict(bit_generator=name,
                   key=torch.from_numpy(key.astype(np.int64)),
                   pos=int(pos), has_gauss=int(has_gauss),
                   gauss=float(gauss)),
        torch=torch.get_rng_state(),
        cuda=(torch.cuda.get_rng_state_all()
              if torch.cuda.is_available() else []))


def set_random_state(state: Dict[str, Any]) -> bool:
    """Restore states captured by :func:`get_random_state`.

    Args:
        state: A :func:`get_random_state` dict (possibly after a
            ``torch.save``/``torch.load`` round trip, which turns the Python
            state's tuples into lists and may map the tensors to a GPU).

    Returns:
        bool: Whether the CUDA generators were restored too: not when the
        state holds none, or holds another number of GPUs than this process
        sees (Python's, NumPy's and torch's CPU generator are restored in
        every case).

    Raises:
        ValueError: ``state`` lacks one of the generators.
    """
    missing = {'python', 'numpy', 'torch'} - set(state)
    if missing:
        raise ValueError(f'random state lacks {sorted(missing)}')
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    np_state = state['numpy']
    key = torch.as_tensor(np_state['key']).cpu().numpy()
    np.random.set_state(
        (np_state['bit_generator'], key.astype(np.int64).astype(np.uint32),
         np_state['pos'], np_state['has_gauss'], np_state['gauss']))
    # torch.set_rng_state takes a CPU ByteTensor; resume maps to the GPU
    torch.set_rng_state(torch.as_tensor(state['torch']).cpu())
    cuda = state.get('cuda') or []
    if not cuda or not torch.cuda.is_available() or \
            len(cuda) != torch.cuda.device_count():
        return False
    torch.cuda.set_rng_state_all([torch.as_tensor(c).cpu() for c in cuda])
    return True
