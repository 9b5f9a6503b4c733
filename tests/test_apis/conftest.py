"""A stand-in for a fall model: the fall probability of a window is the
brightness of its newest frame, so a run of bright frames is a fall."""
from typing import Callable, List, Tuple

import numpy as np
import pytest

FALL_INDEX = 6  # 'fall' in the SynthFall classes


def fall_frames(num_frames: int = 120, fall: Tuple[int, int] = (30, 50),
                size: Tuple[int, int] = (64, 48)) -> List[np.ndarray]:
    """Dark BGR frames, bright from ``fall[0]`` up to ``fall[1]``."""
    return [np.full((size[1], size[0], 3), 250 if fall[0] <= i < fall[1]
                    else 10, np.uint8) for i in range(num_frames)]


@pytest.fixture
def brightness_scorer() -> Callable:
    """``brightness_scorer(on_call=None)``: ``(scorer, preprocessor)`` as
    :func:`~mmlight.apis.build_clip_scorer` returns them, 7 classes;
    ``on_call(inputs)`` runs at each scorer call when given."""
    from mmlight.registry import MODELS

    def make(on_call=None):
        def scorer(x):
            if on_call is not None:
                on_call(x)
            p = float(x[0, -1].mean())
            out = np.full(7, (1 - p) / 6)
            out[FALL_INDEX] = p
            return out

        return scorer, MODELS.build(dict(
            type='ActionDataPreprocessor', mean=[0, 0, 0],
            std=[255, 255, 255], format_shape='NCHW')).eval()

    return make


@pytest.fixture(scope='session')
def fall_frames_fn():
    """:func:`fall_frames` for the test modules."""
    return fall_frames
