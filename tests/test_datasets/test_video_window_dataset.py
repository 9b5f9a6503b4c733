"""Windows of long videos: parsed lines, sampling inside the window, from
the frame cache or the video, and errors naming file and line."""
import numpy as np
import pytest

from mmlight.datasets import AnnotationError, VideoReadError, \
    VideoWindowDataset
from mmlight.datasets.frame_cache import cache_file, decode_video


def pipeline(test_mode=True):
    return [
        dict(type='CachedFrameInit'),
        dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=4,
             test_mode=test_mode),
        dict(type='CachedFrameDecode'),
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='PackActionInputs'),
    ]


@pytest.fixture
def long_video(tmp_path, make_video):
    """A 40-frame video (frame i grey 20 * i % 255) and its frame cache."""
    root = tmp_path / 'data'
    make_video(str(root / 'videos' / 'a.mp4'), num_frames=40)
    count, _ = decode_video(str(root / 'videos' / 'a.mp4'), None,
                            cache_file(str(root / 'frames'), 'videos/a.mp4'))
    assert count == 40
    return root


def make(root, lines, frame_cache=True, **kwargs):
    ann = root / 'ann.txt'
    ann.write_text('\n'.join(lines) + '\n')
    return VideoWindowDataset(
        str(ann), kwargs.pop('pipeline', pipeline()),
        data_prefix=dict(video=str(root)), num_classes=2,
        frame_cache=str(root / 'frames') if frame_cache else None, **kwargs)


def grey_levels(sample):
    # (4, 3, H, W) uint8 -> the grey level of each frame
    return [int(round(float(f.float().mean()))) for f in sample['inputs']]


@pytest.mark.parametrize('frame_cache', [True, False])
def test_frames_come_from_inside_the_window(long_video, frame_cache):
    ds = make(long_video, ['videos/a.mp4 0 7 0', 'videos/a.mp4 8 15 1'],
              frame_cache)
    assert len(ds) == 2 and ds.get_data_info(1)['start_index'] == 8
    sample = ds[1]
    assert sample['data_samples'].gt_label.item() == 1
    # test-time TSN sampling: the centre of each quarter of frames 8..15
    levels = grey_levels(sample)
    expected = [20 * i % 255 for i in (9, 11, 13, 15)]
    assert levels == pytest.approx(expected, abs=6)


def test_training_samples_stay_in_the_window(long_video):
    ds = make(long_video, ['videos/a.mp4 20 27 0'],
              pipeline=pipeline(test_mode=False))
    for _ in range(5):
        assert len(grey_levels(ds[0])) == 4
        inds = ds.pipeline.transforms[1](ds.pipeline.transforms[0](
            ds.get_data_info(0)))['frame_inds']
        assert ((inds >= 20) & (inds <= 27)).all()


def test_window_past_the_end_is_cut(long_video):
    ds = make(long_video, ['videos/a.mp4 36 50 0'])
    results = ds.pipeline.transforms[0](ds.get_data_info(0))
    assert (results['start_index'], results['total_frames']) == (36, 4)


@pytest.mark.parametrize('line,match', [
    ('videos/a.mp4 0 7', r'ann.txt:1: expected "<video> <first frame>'),
    ('videos/a.mp4 0 x 1', r'ann.txt:1: frames must be integers'),
    ('videos/a.mp4 9 3 1', r'ann.txt:1: bad window 9..3'),
    ('videos/a.mp4 0 7 2', r'ann.txt:1: label 2 is outside'),
    ('videos/b.mp4 0 7 1', r'ann.txt:1: video not found'),
])
def test_malformed_lines_name_file_and_line(long_video, line, match):
    with pytest.raises(AnnotationError, match=match):
        make(long_video, [line])


def test_missing_or_bad_cache_file_is_named(long_video):
    (long_video / 'frames' / 'videos' / 'a.npy').unlink()
    with pytest.raises(AnnotationError, match='frame cache file not found'):
        make(long_video, ['videos/a.mp4 0 7 0'])
    np.save(long_video / 'frames' / 'videos' / 'a.npy',
            np.zeros((3, 4), np.float32))
    ds = make(long_video, ['videos/a.mp4 0 7 0'])
    with pytest.raises(VideoReadError, match=r'a.npy: expected \(T, H, W'):
        ds[0]
