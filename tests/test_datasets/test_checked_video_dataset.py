import pickle

import pytest

from mmlight.datasets import (AnnotationError, CheckedVideoDataset,
                              VideoReadError)

PIPELINE = [
    dict(type='CheckedDecordInit'),
    dict(type='SampleFrames', clip_len=4, frame_interval=1, num_clips=1),
    dict(type='DecordDecode'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs'),
]


def make(tmp_path, video_dir, lines, **kwargs):
    ann = tmp_path / 'ann.txt'
    ann.write_text('\n'.join(lines) + '\n')
    kwargs.setdefault('num_classes', 3)
    return CheckedVideoDataset(
        str(ann), PIPELINE, data_prefix=dict(video=str(video_dir)), **kwargs)


def test_loads_and_decodes(tmp_path, video_dir):
    ds = make(tmp_path, video_dir, ['good0.mp4 0', '', 'good1.mp4 2'])
    assert len(ds) == 2
    sample = ds[1]
    assert tuple(sample['inputs'].shape) == (1, 3, 4, 48, 64)
    assert sample['data_samples'].gt_label.item() == 2


@pytest.mark.parametrize('line,match', [
    ('good0.mp4 zero', 'labels must be integers'),
    ('good0.mp4 1 2', 'expected "<video> <label>"'),
    ('good0.mp4 3', r'label 3 is outside \[0, 3\)'),
    ('good0.mp4 -2', 'outside'),
    ('good0.mp4', 'no label in'),  # was label -1: IndexError in the loss
])
def test_malformed_line_names_file_and_line(tmp_path, video_dir, line,
                                            match):
    with pytest.raises(AnnotationError, match=match) as info:
        make(tmp_path, video_dir, ['good1.mp4 0', line])
    assert info.value.lineno == 2
    assert str(info.value).startswith(f'{tmp_path / "ann.txt"}:2: ')


def test_missing_video_reported_at_startup(tmp_path, video_dir):
    with pytest.raises(AnnotationError, match='video not found') as info:
        make(tmp_path, video_dir, ['good0.mp4 0', 'gone.mp4 1'])
    assert 'ann.txt:2' in str(info.value) and 'gone.mp4' in str(info.value)


def test_missing_video_skipped_with_warning(tmp_path, video_dir):
    with pytest.warns(UserWarning, match='gone.mp4'):
        ds = make(tmp_path, video_dir, ['good0.mp4 0', 'gone.mp4 1'],
                  skip_unreadable=True)
    assert len(ds) == 1 and ds.num_skipped == 1


def test_every_video_missing_names_the_data_prefix(tmp_path, video_dir):
    # a wrong data_prefix: "the file is empty" before
    with pytest.raises(AnnotationError, match='none of the 2 videos') as info:
        make(tmp_path, tmp_path / 'wrong', ['good0.mp4 0', 'good1.mp4 1'],
             skip_unreadable=True)
    assert 'line 1: ' in str(info.value) and 'wrong' in str(info.value)
    assert 'data_prefix.video=' in str(info.value)


def test_every_clip_unreadable_stops_with_a_named_error(tmp_path, video_dir):
    # before: MMEngine's "Cannot find valid image after 1000!"
    ds = make(tmp_path, video_dir, ['empty.mp4 0', 'garbage.mp4 1'],
              skip_unreadable=True)
    with pytest.warns(UserWarning), \
            pytest.raises(VideoReadError, match='no clip could be read') as e:
        ds[0]
    assert 'of the 2 videos of' in str(e.value) and 'ann.txt' in str(e.value)


def test_unreadable_in_a_row_stops(tmp_path, video_dir, monkeypatch):
    monkeypatch.setattr(CheckedVideoDataset, 'MAX_FAILURES_IN_A_ROW', 3)
    ds = make(tmp_path, video_dir, ['empty.mp4 0'] * 5 + ['good0.mp4 1'],
              skip_unreadable=True)
    ds._rand_another = lambda: 0  # always an unreadable one
    with pytest.warns(UserWarning), \
            pytest.raises(VideoReadError, match='3 in a row failed'):
        ds[0]


def test_empty_annotation_file(tmp_path, video_dir):
    with pytest.raises(AnnotationError, match='no videos listed'):
        make(tmp_path, video_dir, [''])


def test_missing_annotation_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        CheckedVideoDataset(str(tmp_path / 'nope.txt'), PIPELINE)


def test_corrupt_video_raises_naming_it(tmp_path, video_dir):
    ds = make(tmp_path, video_dir, ['good0.mp4 0', 'truncated.mp4 1'])
    with pytest.raises(VideoReadError, match='truncated.mp4'):
        ds[1]


def test_skip_unreadable_serves_another_clip_and_counts(tmp_path, video_dir):
    ds = make(tmp_path, video_dir,
              ['empty.mp4 0', 'good0.mp4 1', 'garbage.mp4 2'],
              skip_unreadable=True)
    with pytest.warns(UserWarning, match='Skipping unreadable video'):
        for _ in range(4):
            sample = ds[0]  # empty.mp4: replaced by a readable clip
            assert sample['data_samples'].gt_label.item() == 1
    assert ds.num_skipped >= 4


def test_test_mode_never_skips(tmp_path, video_dir):
    ds = make(tmp_path, video_dir, ['empty.mp4 0', 'good0.mp4 1'],
              skip_unreadable=True, test_mode=True)
    with pytest.raises(VideoReadError, match='empty.mp4'):
        ds[0]


def test_error_survives_worker_pickling():
    err = pickle.loads(pickle.dumps(VideoReadError('a.mp4', 'broken')))
    assert err.filename == 'a.mp4' and str(err) == 'a.mp4: broken'


def test_multi_class_needs_num_classes(tmp_path, video_dir):
    with pytest.raises(ValueError, match='num_classes'):
        make(tmp_path, video_dir, ['good0.mp4 0 1'], multi_class=True,
             num_classes=None)


def test_multi_class_labels(tmp_path, video_dir):
    ds = make(tmp_path, video_dir, ['good0.mp4 0 2'], multi_class=True)
    # MMAction2 turns multi-class labels into one-hot vectors
    assert ds.get_data_info(0)['label'].tolist() == [1., 0., 1.]
