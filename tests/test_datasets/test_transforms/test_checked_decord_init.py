import pytest

from mmlight.datasets import CheckedDecordInit, VideoReadError


def test_opens_a_good_video(video_dir):
    out = CheckedDecordInit()(dict(filename=str(video_dir / 'good0.mp4')))
    assert out['total_frames'] == 8
    assert out['avg_fps'] == pytest.approx(15)


@pytest.mark.parametrize('name,reason', [
    ('empty.mp4', 'cannot open'),
    ('truncated.mp4', 'cannot open'),
    ('garbage.mp4', 'cannot open'),
    ('missing.mp4', 'cannot open'),
])
def test_bad_video_error_names_the_file(video_dir, name, reason):
    path = str(video_dir / name)
    with pytest.raises(VideoReadError) as info:
        CheckedDecordInit()(dict(filename=path))
    assert info.value.filename == path
    assert path in str(info.value) and reason in str(info.value)
    # decord echoes raw file bytes in its messages; we keep one short line.
    assert '\n' not in str(info.value) and len(str(info.value)) < 400
