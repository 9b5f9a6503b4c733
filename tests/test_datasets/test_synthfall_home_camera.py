"""SynthFall's domain randomisation toward real home cameras."""
import json

import numpy as np
import pytest

from mmlight.cli.synthfall import main
from mmlight.datasets.synthfall import generate_dataset, render_clip
from mmlight.datasets.synthfall.camera import fit_camera
from mmlight.datasets.synthfall.home_camera import (HOME_CAMERA, camera_ranges,
                                                    lens_warp,
                                                    recording_effects)


def test_lens_warp_without_pitch_or_distortion_is_the_identity():
    map_x, map_y = lens_warp(40, 30, 0.0, 0.0)
    ys, xs = np.mgrid[0:30, 0:40]
    np.testing.assert_allclose(map_x, xs, atol=1e-4)
    np.testing.assert_allclose(map_y, ys, atol=1e-4)


def test_lens_warp_looks_down_through_a_wide_lens_inside_the_frame():
    w, h = 40, 30
    map_x, map_y = lens_warp(w, h, 30.0, -0.3)
    # every pixel samples the frame: no border to fill
    assert map_x.min() >= 0 and map_x.max() <= w - 1
    assert map_y.min() >= 0 and map_y.max() <= h - 1
    # keystone: the top row sees a narrower span than the bottom row, so
    # world verticals converge toward the bottom
    top = map_x[0].max() - map_x[0].min()
    bottom = map_x[-1].max() - map_x[-1].min()
    assert bottom == pytest.approx(w - 1, abs=0.5) and top < 0.7 * bottom
    # barrel: the middle is magnified (a pixel step covers < 1 source px)
    assert np.diff(map_y[:, w // 2])[h // 2 - 1] < 0.9
    with pytest.raises(ValueError, match='pitch_deg'):
        lens_warp(w, h, 60.0, 0.0)


def test_recording_effects_keep_shape_and_are_seeded():
    frames = np.random.default_rng(0).integers(0, 256, (4, 24, 32, 3),
                                               dtype=np.uint8)
    a, b = frames.copy(), frames.copy()
    recording_effects(np.random.default_rng(5), a)
    recording_effects(np.random.default_rng(5), b)
    assert a.shape == frames.shape and a.dtype == np.uint8
    assert np.array_equal(a, b) and not np.array_equal(a, frames)


def test_home_camera_is_mounted_high_with_a_small_person_over_the_floor():
    joints = np.zeros((4, 15, 2))
    joints[..., 1] = np.linspace(0, 1.7, 15)
    for seed in range(20):
        cam = fit_camera(np.random.default_rng(seed), 160, 120, joints, 1.7,
                         **camera_ranges('home'))
        assert HOME_CAMERA['cam_h'][0] <= cam.cam_h <= HOME_CAMERA['cam_h'][1]
        feet, head = cam.project([[0.0, 0.0], [0.0, 1.7]])[:, 1]
        assert (feet - head) / 120 <= HOME_CAMERA['person_scale'][1] + 1e-6
        assert feet <= 0.8 * 120 + 1e-6  # floor below the person
    with pytest.raises(ValueError, match='domain'):
        camera_ranges('studio')


def test_home_clips_differ_from_plain_ones_and_are_deterministic():
    plain, meta = render_clip(3, 'fall', 64, 48, 16, 25.0)
    home, meta_home = render_clip(3, 'fall', 64, 48, 16, 25.0, domain='home')
    again, _ = render_clip(3, 'fall', 64, 48, 16, 25.0, domain='home')
    assert home.shape == plain.shape == (16, 48, 64, 3)
    assert np.array_equal(home, again) and not np.array_equal(home, plain)
    # the same action and timing: only the filming changed
    assert meta_home == meta


def test_dataset_and_cli_record_the_domain(tmp_path):
    out = tmp_path / 'home'
    generate_dataset(out, num_clips=7, width=32, height=24, num_frames=8,
                     fps=25, domain='home', progress=False)
    assert json.loads((out / 'meta.json').read_text())['args']['domain'] \
        == 'home'
    with pytest.raises(ValueError, match='domain'):
        generate_dataset(tmp_path / 'bad', num_clips=7, domain='studio',
                         progress=False)
    assert main(['--out', str(tmp_path / 'cli'), '--num-clips', '7',
                 '--size', '32x24', '--num-frames', '8', '--domain', 'home',
                 '--no-progress']) == 0
    meta = json.loads((tmp_path / 'cli' / 'meta.json').read_text())
    assert meta['args']['domain'] == 'home'
