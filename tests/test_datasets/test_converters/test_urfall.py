"""UR Fall: zips and folders of frames become videos with fall frames."""
import pytest

from mmlight.datasets import (AnnotationError, VideoReadError,
                              dataset_clip_sizes)
from mmlight.datasets.converters import convert_urfall, read_urfall_labels


def test_sequences_become_videos_with_labels_and_fall_frames(urfall_tree,
                                                            tmp_path):
    out = tmp_path / 'out'
    records = {r.group: r for r in convert_urfall(str(urfall_tree),
                                                  str(out))}
    assert sorted(records) == ['adl-01', 'adl-02', 'fall-01', 'fall-02']
    assert [records[n].label for n in sorted(records)] == [0, 0, 1, 1]
    # frames 3-4 of the CSV (1-based) are frames 2-3 of the video
    assert (records['fall-01'].fall_start, records['fall-01'].fall_end) \
        == (2, 3)
    assert records['fall-02'].fall_start == 1
    assert records['adl-01'].fall_start is None
    sizes = dataset_clip_sizes([dict(filename=str(out / r.path))
                                for r in records.values()])
    assert sorted(s[:3] for s in sizes) == [(5, 30, 40)] * 2 + [
        (6, 30, 40)] * 2


def test_bad_input_is_named(urfall_tree, tmp_path):
    (urfall_tree / 'urfall-cam0-falls.csv').write_text(
        'fall-01,1,-1\nfall-01,two,0\n')
    with pytest.raises(AnnotationError, match=r'falls.csv:2: frame'):
        read_urfall_labels(str(urfall_tree / 'urfall-cam0-falls.csv'))
    (urfall_tree / 'urfall-cam0-falls.csv').unlink()
    (urfall_tree / 'adl-02-cam0-rgb.zip').write_bytes(b'not a zip')
    with pytest.raises(VideoReadError, match='adl-02-cam0-rgb.zip'):
        convert_urfall(str(urfall_tree), str(tmp_path / 'o'),
                       labels_csv=None, names=['adl-02'])
    with pytest.raises(FileNotFoundError, match='no UR Fall cam0'):
        convert_urfall(str(tmp_path), str(tmp_path / 'o'))


def test_no_sequence_names_the_layout_and_the_cameras_found(urfall_tree,
                                                            tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        convert_urfall(str(urfall_tree), str(tmp_path / 'o'), camera='cam2')
    assert str(info.value) == (
        f'{urfall_tree}: no UR Fall cam2 RGB sequence found (looked for '
        'fall-NN-cam2-rgb and adl-NN-cam2-rgb, each a .zip or an unzipped '
        'folder of numbered .png frames; found cam0, cam1 ones: pass '
        '--camera)')
    with pytest.raises(FileNotFoundError, match='fall-09 found for cam0'):
        convert_urfall(str(urfall_tree), str(tmp_path / 'o'),
                       names=['fall-09'])
