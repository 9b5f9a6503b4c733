"""Shared fixtures: tiny videos written with OpenCV, and a tiny SynthFall."""
import os
import os.path as osp
import warnings

import numpy as np
import pytest

warnings.filterwarnings('ignore', message='Fail to import ``MultiScale')


def write_video(path: str, num_frames: int = 8, size=(64, 48)) -> str:
    """Write a small mp4 whose frame i has grey level 20 * i."""
    import cv2
    os.makedirs(osp.dirname(path), exist_ok=True)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 15, size)
    for i in range(num_frames):
        writer.write(np.full((size[1], size[0], 3), 20 * i % 255, np.uint8))
    writer.release()
    return path


@pytest.fixture(autouse=True)
def mmlight_scope():
    """Components built outside a Runner resolve in mmlight's scope, as
    MMAction2's tests do with its ``register_all_modules``."""
    from mmlight.utils import register_all_modules
    register_all_modules(init_default_scope=True)


@pytest.fixture
def video_dir(tmp_path):
    """Three good videos, a truncated one, an empty one and a garbage one."""
    root = tmp_path / 'videos'
    for i in range(3):
        write_video(str(root / f'good{i}.mp4'))
    data = (root / 'good0.mp4').read_bytes()
    (root / 'truncated.mp4').write_bytes(data[:len(data) // 3])
    (root / 'empty.mp4').write_bytes(b'')
    (root / 'garbage.mp4').write_bytes(b'not a video' * 50)
    return root


@pytest.fixture(scope='session')
def synthfall_tiny(tmp_path_factory):
    """A 14-clip SynthFall (2 clips a class) at 64x48, 16 frames."""
    from mmlight.datasets.synthfall import generate_dataset
    out = tmp_path_factory.mktemp('synthfall')
    generate_dataset(str(out), num_clips=21, seed=0, width=64, height=48,
                     num_frames=16, fps=15, workers=1)
    return out
