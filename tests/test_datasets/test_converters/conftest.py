"""Small fake trees in the published layouts of UR Fall and Le2i."""
import os
import zipfile

import cv2
import numpy as np
import pytest


def png(path, value, size=(40, 30)):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    cv2.imwrite(path, np.full((size[1], size[0], 3), value, np.uint8))


def avi(path, frames=12, size=(48, 32)):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 25, size)
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), 10 * i, np.uint8))
    writer.release()


@pytest.fixture(scope='session')
def write_avi():
    """:func:`avi`, for the tests of this folder."""
    return avi


@pytest.fixture
def urfall_tree(tmp_path):
    """fall-01 and adl-01 unzipped, fall-02 and adl-02 zipped, a cam1
    sequence to ignore, and the falls CSV."""
    root = tmp_path / 'UR'
    for name in ('fall-01', 'adl-01'):
        seq = f'{name}-cam0-rgb'
        for i in range(1, 7):
            png(str(root / seq / f'{seq}-{i:03d}.png'), 20 * i)
    for name in ('fall-02', 'adl-02'):
        seq = f'{name}-cam0-rgb'
        folder = tmp_path / 'zips' / seq
        for i in range(1, 6):
            png(str(folder / f'{seq}-{i:03d}.png'), 30 * i)
        with zipfile.ZipFile(root / f'{seq}.zip', 'w') as z:
            for i in range(1, 6):
                z.write(folder / f'{seq}-{i:03d}.png',
                        f'{seq}/{seq}-{i:03d}.png')
    for i in range(1, 4):
        png(str(root / 'fall-01-cam1-rgb' / f'fall-01-cam1-rgb-{i:03d}.png'),
            0)
    rows = ['fall-01,1,-1', 'fall-01,2,-1', 'fall-01,3,0', 'fall-01,4,0',
            'fall-01,5,1', 'fall-01,6,1', 'fall-02,2,0', 'fall-02,3,1']
    (root / 'urfall-cam0-falls.csv').write_text('\n'.join(
        r + ',0.5,0.1' for r in rows) + '\n')
    return root


@pytest.fixture
def le2i_tree(tmp_path):
    """Two annotated scenes (one spelling each), one scene without
    annotations."""
    root = tmp_path / 'Le2i'
    for scene, ann_dir, n in (('Coffee_room_01', 'Annotation_files', 4),
                              ('Home_01', 'Annotations_files', 2),
                              ('Office', None, 2)):
        for k in range(1, n + 1):
            avi(str(root / scene / 'Videos' / f'video ({k}).avi'))
            if ann_dir is None:
                continue
            path = root / scene / ann_dir / f'video ({k}).txt'
            os.makedirs(path.parent, exist_ok=True)
            fall = k % 2 == 1
            lines = ['5', '9'] if fall else ['0', '0']
            lines += [f'{f},1,10,10,20,20' for f in range(1, 13)]
            path.write_text('\n'.join(lines) + '\n')
    return root
