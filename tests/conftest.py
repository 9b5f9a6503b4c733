"""Shared fixtures: tiny videos written with OpenCV, a tiny SynthFall, and a
stand-in fall model for the streaming detector (its fall probability is the
brightness of a window's newest frame, so a run of bright frames is a fall)."""
import os
import os.path as osp
import warnings
from typing import Callable, List, Tuple

import numpy as np
import pytest

warnings.filterwarnings('ignore', message='Fail to import ``MultiScale')

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

# The deployment and ONNX quantization tests share its exported models.
pytest_plugins = ['onnx_fixtures']


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
def tiny_tsm_config() -> dict:
    """A tiny TSM student: MobileNetV3-Small x0.5, 4 segments, 3 classes,
    ``(N, 4, 3, H, W)`` inputs (a fresh dict each test)."""
    return dict(
        type='Recognizer2D',
        backbone=dict(type='TemporalAdapter', num_segments=4,
                      backbone=dict(type='torchvision.mobilenet_v3_small',
                                    width_mult=0.5),
                      temporal_cfg=dict(type='shift')),
        cls_head=dict(type='TSNHead', in_channels=288, num_classes=3,
                      consensus=dict(type='AvgConsensus', dim=1)),
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCHW'))


@pytest.fixture(scope='session')
def make_video():
    """:func:`write_video`, for tests in any folder (``conftest`` modules
    are not importable by name: each folder may have its own)."""
    return write_video


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


def data_options(root, batch_size: int = 2) -> list:
    """--cfg-options that point a SynthFall config at `root`, small and
    single-process."""
    from mmlight.reports.benchmark import data_root_options
    return data_root_options(str(root), batch_size=batch_size, num_workers=0)


def _tiny_config(name: str, root):
    """A repo config with a tiny model, its data at ``root``.

    ``fall_mbv3s_tsm.py``: the student at width 0.5 (8 segments, 48x64);
    ``fall_slowonly_r18_teacher.py``: 8 base channels (16 frames).
    """
    from mmengine.config import Config

    from mmlight.reports.common import parse_cfg_options
    cfg = Config.fromfile(osp.join(REPO, 'configs', name))
    cfg.merge_from_dict(parse_cfg_options(data_options(root)))
    if 'tsm' in name:
        cfg.model.backbone.backbone.width_mult = 0.5
        cfg.model.cls_head.in_channels = 288
    else:
        cfg.model.backbone.base_channels = 8
        cfg.model.cls_head.in_channels = 64
    return cfg


@pytest.fixture(scope='session')
def tiny_config():
    """``tiny_config(name, root)``: see :func:`_tiny_config`."""
    return _tiny_config


@pytest.fixture(scope='session')
def synthfall_options():
    """``synthfall_options(root)``: --cfg-options for a SynthFall copy."""
    return data_options

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
