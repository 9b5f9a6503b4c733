"""Tests for the SynthFall generator (CPU, tiny clips, a few seconds)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmlight.cli.synthfall import main
from mmlight.datasets.synthfall import (BINARY_CLASSES, CLASSES, SPLITS,
                                        VARIANTS, generate_dataset,
                                        make_contact_sheet, make_trajectory,
                                        plan_clips, render_clip)
from mmlight.datasets.synthfall.skeleton import J, floor_clearance

REPO = Path(__file__).resolve().parents[2]
TINY = dict(num_clips=14, width=64, height=48, num_frames=16, fps=15,
            progress=False)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """A 14-clip dataset made with 1 and with 2 workers, and another seed."""
    roots = {}
    for name, seed, workers in (('w1', 0, 1), ('w2', 0, 2), ('seed1', 1, 1)):
        roots[name] = tmp_path_factory.mktemp(name)
        generate_dataset(roots[name], seed=seed, workers=workers, **TINY)
    return roots


def read_ann(path: Path) -> list:
    """``(relative path, label)`` rows of an annotation file."""
    rows = []
    for line in path.read_text().splitlines():
        rel, label = line.split(' ')
        rows.append((rel, int(label)))
    return rows


def decode_all(root: Path) -> dict:
    """Every clip of a dataset decoded with decord, by relative path."""
    import decord
    clips = {}
    for split in SPLITS:
        for rel, _ in read_ann(root / f'{split}.txt'):
            reader = decord.VideoReader(str(root / rel))
            assert len(reader) == TINY['num_frames']
            clips[rel] = reader.get_batch(list(range(len(reader)))).asnumpy()
    return clips


def peak_descent(traj) -> float:
    """Fastest downward speed of the head in m/s (15 fps)."""
    return float(-np.diff(traj.joints[:, J['head'], 1]).min() * 15)


def test_annotations_parse_and_point_to_videos(tiny):
    root = tiny['w1']
    assert (root / 'classes.txt').read_text().split() == list(CLASSES)
    binary_names = (root / 'binary_classes.txt').read_text().split()
    assert binary_names == list(BINARY_CLASSES)
    seen = []
    for split in SPLITS:
        rows = read_ann(root / f'{split}.txt')
        binary = read_ann(root / f'{split}_binary.txt')
        assert [r for r, _ in rows] == [r for r, _ in binary]
        for (rel, label), (_, bin_label) in zip(rows, binary):
            assert rel.startswith(f'videos/{split}/')
            assert (root / rel).is_file()
            action = rel.rsplit('/', 1)[1][6:-4]  # 00012_<action>.mp4
            assert CLASSES[label] == action
            assert bin_label == int(action == 'fall')
        seen += rows
    assert len(seen) == len({r for r, _ in seen}) == 14
    assert np.bincount([label for _, label in seen]).tolist() == [2] * 7
    meta = json.loads((root / 'meta.json').read_text())
    assert meta['args']['num_clips'] == 14 and len(meta['clips']) == 14
    for clip in meta['clips']:
        if clip['action'] == 'fall':
            assert 0 <= clip['fall_start'] < clip['fall_end']
            assert clip['fall_end'] == clip['lying_from']
        else:
            assert clip['fall_start'] is None and clip['fall_end'] is None


def test_decord_reads_every_clip(tiny):
    clips = decode_all(tiny['w1'])
    assert len(clips) == 14
    for frames in clips.values():
        assert frames.shape == (16, 48, 64, 3)
        assert frames.std() > 5  # a scene, not a blank frame


def test_deterministic_across_workers_and_seeds(tiny):
    for name in ('train.txt', 'val_binary.txt', 'test.txt', 'meta.json'):
        assert ((tiny['w1'] / name).read_bytes() == (tiny['w2'] /
                                                     name).read_bytes())
    a, b, c = (decode_all(tiny[k]) for k in ('w1', 'w2', 'seed1'))
    assert a.keys() == b.keys()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert all(not np.array_equal(a[k], c[k]) for k in a.keys() & c.keys())
    f0, _ = render_clip(5, 'fall', 64, 48, 16)
    f1, _ = render_clip(5, 'fall', 64, 48, 16)
    assert f0.dtype == np.uint8 and f0.shape == (16, 48, 64, 3)
    assert np.array_equal(f0, f1)


def test_plan_is_balanced_and_stratified():
    ratios = (0.7, 0.15, 0.15)
    plan = plan_clips(600, seed=3, split_ratios=ratios)
    assert [c.index for c in plan] == list(range(600))
    assert len({c.path for c in plan}) == 600
    counts = [sum(c.action == a for c in plan) for a in CLASSES]
    assert max(counts) - min(counts) <= 1
    for action in CLASSES:
        clips = [c for c in plan if c.action == action]
        for split, r in zip(SPLITS, ratios):
            n = sum(c.split == split for c in clips)
            assert abs(n - r * len(clips)) <= 1
    assert [c.split for c in plan].count('train') == 420
    for variant in VARIANTS['fall']:
        splits = {c.split for c in plan if c.variant == variant}
        assert splits == set(SPLITS)


def test_lie_down_and_fall_differ_only_in_time():
    trajs = {a: [make_trajectory(a, np.random.default_rng(s), 48, 15)
                 for s in range(30)] for a in ('lie_down', 'fall')}
    feats = {}
    for a, ts in trajs.items():
        last = np.stack([t.joints[-1] for t in ts])
        torso = np.rad2deg([t.poses[-1, 2] for t in ts])
        assert (np.abs(np.abs(torso) - 90) < 10).all()  # lying flat
        assert (last[..., 1].max(1) < 0.7).all()  # on the floor
        prone = [t.poses[-1, 2] > 0 for t in ts]
        feats[a] = np.stack([np.abs(torso), last[:, J['head'], 1],
                             last[:, J['hip'], 1], last[..., 1].max(1),
                             np.ptp(last[..., 0], axis=1), prone], 1)
    # Same final pose family: no final-frame feature separates the classes.
    labels = np.r_[np.zeros(30), np.ones(30)]
    for k in range(feats['fall'].shape[1]):
        x = np.r_[feats['lie_down'][:, k], feats['fall'][:, k]]
        best = max(max(((x > th) == labels).mean(),
                       ((x <= th) == labels).mean()) for th in x)
        assert best <= 0.7, f'final-frame feature {k} tells them apart'
    # The difference is temporal: every fall drops faster than any lie-down.
    fall_speed = [peak_descent(t) for t in trajs['fall']]
    lie_speed = [peak_descent(t) for t in trajs['lie_down']]
    assert min(fall_speed) > 1.3 * max(lie_speed)
    # Start times vary, so the lying part of both classes overlaps.
    lying = [[t.meta['lying_from'] for t in ts] for ts in trajs.values()]
    assert max(map(min, lying)) < min(map(max, lying))
    assert all(np.std(v) > 2 for v in lying)


@pytest.mark.parametrize('action', CLASSES)
def test_trajectories_rest_on_the_floor(action):
    for seed in range(3):
        t = make_trajectory(action, np.random.default_rng(seed), 48, 15)
        assert t.joints.shape == (48, len(J), 2)
        assert np.isfinite(t.joints).all()
        clear = floor_clearance(t.joints, t.body)
        assert clear.min() > -1e-9  # never in the floor
        assert np.median(clear) < 1e-9  # touching it, not floating
        if t.meta['event_start'] > 0:  # starts upright, about body height
            top = t.joints[0, :, 1].max()
            assert 0.8 * t.body.height < top < 1.1 * t.body.height


def test_contact_sheet(tmp_path):
    out = tmp_path / 'sub' / 'sheet.png'
    sheet = make_contact_sheet(out, seed=0, width=64, height=48,
                               num_frames=16, num_cols=4)
    rows = len(CLASSES) - 1 + len(VARIANTS['fall'])
    assert sheet.shape == (rows * 48, 5 * 64, 3)
    png = cv2.imread(str(out))
    assert np.array_equal(png[..., ::-1], sheet)
    cells = sheet.reshape(rows, 48, 5, 64, 3)[:, :, 1:]
    assert (cells.std(axis=(1, 3, 4)) > 5).all()  # every thumbnail a scene


@pytest.mark.parametrize('kwargs, name', [
    (dict(num_clips=3), 'num_clips'),
    (dict(width=63), 'width'),
    (dict(height=8), 'height'),
    (dict(num_frames=4), 'num_frames'),
    (dict(fps=0), 'fps'),
    (dict(workers=0), 'workers'),
    (dict(seed=-1), 'seed'),
    (dict(split_ratios=(0.5, 0.5, 0.5)), 'split_ratios'),
    (dict(split_ratios=(0.7, 0.3)), 'split_ratios'),
    (dict(split_ratios=(1.2, -0.1, -0.1)), 'split_ratios'),
])
def test_bad_arguments(tmp_path, kwargs, name):
    with pytest.raises(ValueError, match=name):
        generate_dataset(tmp_path, **{**TINY, **kwargs})
    assert not (tmp_path / 'meta.json').exists()


def test_bad_action_and_variant():
    with pytest.raises(ValueError, match='action'):
        render_clip(0, 'jump')
    with pytest.raises(ValueError, match='variant'):
        make_trajectory('fall', np.random.default_rng(0), variant='dive')


def test_cli_and_overwrite(tmp_path, capsys):
    out = tmp_path / 'ds'
    args = ['--out', str(out), '--num-clips', '7', '--size', '32x24',
            '--num-frames', '8', '--no-progress', '--contact-sheet']
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert 'clips/s' in printed and 'train' in printed
    assert cv2.imread(str(out / 'contact_sheet.png')).shape[1] == 7 * 32
    assert sum(len(read_ann(out / f'{s}.txt')) for s in SPLITS) == 7
    with pytest.raises(SystemExit):  # a dataset is there already
        main(args)
    # the command line's flag, not the Python argument
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == (f'synthfall: error: --out {out} already holds a dataset '
                    '(meta.json); add --overwrite to replace it')
    assert main(args + ['--overwrite']) == 0
    with pytest.raises(SystemExit):
        main(['--out', str(tmp_path / 'other'), '--size', '160by120'])


def test_module_entry_point():
    env = {**os.environ, 'PYTHONPATH': str(REPO)}
    res = subprocess.run(
        [sys.executable, '-m', 'mmlight.datasets.synthfall', '--help'],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and '--contact-sheet' in res.stdout


def test_rooms_are_assigned_deterministically():
    from mmlight.datasets.synthfall import plan_clips
    plan = plan_clips(70, seed=0, rooms=3)
    rooms = [c.room for c in plan]
    assert set(rooms) == {0, 1, 2}
    assert rooms == [c.room for c in plan_clips(70, seed=0, rooms=3)]
    # every room is filmed in every split, like a home camera over time
    for room in range(3):
        assert {c.split for c in plan if c.room == room} == set(SPLITS)
    # rooms=0 leaves the plan exactly as it was: a room per clip
    no_rooms = plan_clips(70, seed=0)
    assert all(c.room == -1 for c in no_rooms)
    assert [(c.action, c.variant, c.split) for c in no_rooms] == \
        [(c.action, c.variant, c.split) for c in plan]


def test_a_room_fixes_camera_mounting_and_background():
    from mmlight.datasets.synthfall.background import draw_room
    from mmlight.datasets.synthfall.camera import fit_camera
    from mmlight.datasets.synthfall.plan import room_rng
    joints = np.zeros((4, 15, 2))
    joints[..., 1] = np.linspace(0, 1.7, 15)

    def scene(clip_seed, room):
        rng = np.random.default_rng(clip_seed)
        cam = fit_camera(rng, 160, 120, joints, 1.7,
                         room=room_rng(0, room))
        bg, _, _ = draw_room(rng, cam, (-0.3, 0.3), room=room_rng(0, room))
        return cam, bg

    cam_a, bg_a = scene(1, room=5)
    cam_b, bg_b = scene(2, room=5)
    cam_c, bg_c = scene(1, room=6)
    assert (cam_a.focal, cam_a.cam_h) == (cam_b.focal, cam_b.cam_h)
    assert (cam_a.focal, cam_a.cam_h) != (cam_c.focal, cam_c.cam_h)
    if cam_a == cam_b:  # same framing too: the very same room image
        assert np.array_equal(bg_a, bg_b)
    assert not np.array_equal(bg_a, bg_c)


def test_rooms_argument_is_validated():
    from mmlight.datasets.synthfall import plan_clips
    with pytest.raises(ValueError, match='rooms'):
        plan_clips(14, rooms=-1)


def test_contact_sheet_shows_the_dataset_rooms(tmp_path):
    from mmlight.datasets.synthfall import make_contact_sheet
    one_room = make_contact_sheet(tmp_path / 'a.png', seed=0, width=64,
                                  height=48, num_frames=8, num_cols=2,
                                  rooms=1)
    own_rooms = make_contact_sheet(tmp_path / 'b.png', seed=0, width=64,
                                   height=48, num_frames=8, num_cols=2)
    # top-left wall pixels of the first frame of each row
    walls = lambda sheet: sheet[2::48, 64 + 2].astype(float)  # noqa: E731
    assert walls(one_room).std(0).mean() < walls(own_rooms).std(0).mean()


def test_mixed_sizes_are_planned_per_clip_and_written(tmp_path):
    from mmlight.datasets import dataset_clip_sizes
    plan = plan_clips(70, seed=0, width=64, height=48, num_frames=16,
                      mixed=True)
    sizes = {(c.width, c.height, c.num_frames) for c in plan}
    assert len({(w, h) for w, h, _ in sizes}) == 4  # 0.625x .. 1.25x
    assert {t for _, _, t in sizes} == {12, 16, 24}
    assert all(w % 2 == 0 and h % 2 == 0 and w >= 16 for w, h, _ in sizes)
    assert plan == plan_clips(70, seed=0, width=64, height=48,
                              num_frames=16, mixed=True)
    # mixed=False plans exactly as before
    same = plan_clips(70, seed=0, width=64, height=48, num_frames=16)
    assert {(c.width, c.height, c.num_frames) for c in same} == {(64, 48,
                                                                  16)}
    assert [c.action for c in same] == [c.action for c in plan]

    generate_dataset(tmp_path, seed=0, mixed=True, **dict(TINY))
    meta = json.loads((tmp_path / 'meta.json').read_text())
    assert meta['args']['mixed'] is True
    infos = [dict(filename=str(tmp_path / c['path'])) for c in meta['clips']]
    headers = dataset_clip_sizes(infos)
    assert headers == [(c['num_frames'], c['height'], c['width'], 3)
                       for c in meta['clips']]
    assert len(set(headers)) > 3
