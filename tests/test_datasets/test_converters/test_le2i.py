"""Le2i: annotated videos linked under safe names, fall frames kept."""
import os

import pytest

from mmlight.datasets import AnnotationError, dataset_clip_sizes
from mmlight.datasets.converters import convert_le2i, read_le2i_annotation
from mmlight.cli.convert_fall_dataset import main


def test_annotated_videos_are_linked_with_labels(le2i_tree, tmp_path):
    out = tmp_path / 'out'
    records, skipped = convert_le2i(str(le2i_tree), str(out))
    assert len(records) == 6 and len(skipped) == 2  # Office: no labels
    assert all('Office' in s for s in skipped)
    by = {r.group: r for r in records}
    first = by['Coffee_room_01/video (1)']
    assert first.path == 'videos/Coffee_room_01/video_1.avi'
    assert (first.label, first.fall_start, first.fall_end) == (1, 4, 8)
    assert by['Home_01/video (2)'].label == 0  # "0 0": no fall
    assert os.path.islink(out / first.path)
    assert dataset_clip_sizes([dict(filename=str(out / first.path))])[0] \
        == (12, 32, 48, 3)
    # copying instead of linking
    copied, _ = convert_le2i(str(le2i_tree), str(tmp_path / 'c'),
                             link=False, scenes=['Home_01'])
    assert len(copied) == 2
    assert not os.path.islink(tmp_path / 'c' / copied[0].path)


def test_malformed_annotation_names_file_and_line(le2i_tree, tmp_path):
    ann = le2i_tree / 'Home_01' / 'Annotations_files' / 'video (1).txt'
    ann.write_text('12\nlater\n')
    with pytest.raises(AnnotationError, match=r'video \(1\).txt:2: '):
        read_le2i_annotation(str(ann))
    ann.write_text('30\n20\n')
    with pytest.raises(AnnotationError, match='before its start'):
        convert_le2i(str(le2i_tree), str(tmp_path / 'o'))


def test_frames_are_counted_and_cached(le2i_tree, tmp_path):
    import numpy as np
    out = tmp_path / 'out'
    records, _ = convert_le2i(str(le2i_tree), str(out), cache_size=(24, 16),
                              scenes=['Home_01'])
    assert [r.num_frames for r in records] == [12, 12]
    assert all(r.fps == pytest.approx(25) for r in records)
    frames = np.load(out / 'frames' / 'videos' / 'Home_01' / 'video_1.npy')
    assert frames.shape == (12, 16, 24, 3) and frames.dtype == np.uint8
    # frame i of the fake video has grey level 10 * i
    assert abs(int(frames[5].mean()) - 50) <= 3


def test_video_shorter_than_its_annotation_warns_and_clamps(le2i_tree,
                                                            tmp_path,
                                                            write_avi):
    scene = le2i_tree / 'Coffee_room_01'
    write_avi(str(scene / 'Videos' / 'video (1).avi'), frames=7)  # fall 5-9
    (scene / 'Annotation_files' / 'video (3).txt').write_text(
        '10\n11\n' + ''.join(f'{f},1,1,1,2,2\n' for f in range(1, 13)))
    write_avi(str(scene / 'Videos' / 'video (3).avi'), frames=8)
    with pytest.warns(UserWarning) as caught:
        records, skipped = convert_le2i(str(le2i_tree), str(tmp_path / 'o'),
                                        scenes=['Coffee_room_01'])
    text = '\n'.join(str(w.message) for w in caught)
    assert 'video (1).avi: the annotated fall ends at frame 9' in text
    assert 'clamped to 7' in text
    assert '7 frames decoded, 12 annotated' in text
    # a fall that starts after the video's end: skipped, named
    assert 'video (3).avi: the annotated fall (frames 10-11) starts after' \
        in text
    assert any(s.endswith('video (3).avi') for s in skipped)
    first = next(r for r in records if r.group.endswith('video (1)'))
    assert (first.fall_start, first.fall_end, first.num_frames) == (4, 6, 7)


def test_mp4_videos_natural_order_and_max_videos(tmp_path, make_video):
    root = tmp_path / 'Le2i'
    for k in (1, 2, 10):
        make_video(str(root / 'Home_02' / 'Videos' / f'video ({k}).mp4'),
                    num_frames=6)
        (root / 'Home_02' / 'Annotation_files' / f'video ({k}).txt'
         ).parent.mkdir(parents=True, exist_ok=True)
        (root / 'Home_02' / 'Annotation_files' / f'video ({k}).txt'
         ).write_text('0\n0\n')
    records, _ = convert_le2i(str(root), str(tmp_path / 'o'), max_videos=2)
    assert [r.path for r in records] == ['videos/Home_02/video_1.mp4',
                                         'videos/Home_02/video_2.mp4']


def test_no_scene_says_what_it_looked_for(tmp_path):
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError,
                       match='Videos/.*Annotation_files'):
        convert_le2i(str(tmp_path / 'empty'), str(tmp_path / 'o'))


def test_no_annotated_video_exits_1_naming_what_it_looked_for(le2i_tree,
                                                             tmp_path,
                                                             capsys):
    # Office has videos, no annotation folder
    with pytest.raises(FileNotFoundError) as info:
        convert_le2i(str(le2i_tree), str(tmp_path / 'o'), scenes=['Office'])
    expected = le2i_tree / 'Office' / 'Annotation_files' / 'video (1).txt'
    assert 'none of the 2 videos found has a usable annotation' in str(
        info.value)
    assert str(expected) in str(info.value)
    assert main(['le2i', str(le2i_tree), '--out', str(tmp_path / 'o'),
                 '--scenes', 'Office']) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(
        f'convert_fall_dataset le2i: error: {le2i_tree}: none of the 2 '
        'videos')
    assert 'Annotation_files|Annotations_files|Annotations' in err[0]
