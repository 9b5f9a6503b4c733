"""Windows cut from a video with one fall: labels by where they lie."""
import pytest

from mmlight.datasets.converters.windows import Window, cut_windows


def test_no_fall_video_is_tiled_with_no_fall_windows():
    windows = cut_windows(40, 16, stride=8)
    assert windows == [Window(0, 15, 0), Window(8, 23, 0),
                       Window(16, 31, 0), Window(24, 39, 0)]
    assert cut_windows(10, 16) == []  # shorter than a window


def test_fall_windows_hold_the_fall_and_no_fall_ones_end_before_it():
    # fall at frames 40..49 (10 frames), windows of 16
    windows = cut_windows(100, 16, 40, 49, stride=8, fall_stride=1,
                          fall_cover=0.6)
    no_fall = [w for w in windows if w.label == 0]
    fall = [w for w in windows if w.label == 1]
    assert no_fall and all(w.end < 40 for w in no_fall)
    assert [w.start for w in no_fall] == [0, 8, 16, 24]
    for w in fall:  # at least 6 of the 10 fall frames inside
        assert min(w.end, 49) - max(w.start, 40) + 1 >= 6
    # every start whose window holds >= 6 fall frames, and no other
    assert [w.start for w in fall] == list(range(30, 45))
    # lying after the fall (windows starting after frame 44) is not used
    assert all(w.start <= 44 for w in windows)


def test_a_fall_longer_than_the_window_counts_windows_inside_it():
    windows = cut_windows(100, 8, 20, 59, fall_stride=10)
    # starts 13, 23, ..., 53: only the windows wholly inside the fall
    assert [w for w in windows if w.label == 1] == [
        Window(23, 30, 1), Window(33, 40, 1), Window(43, 50, 1)]


@pytest.mark.parametrize('kwargs,match', [
    (dict(num_frames=50, length=0), 'length'),
    (dict(num_frames=50, length=8, stride=0), 'stride'),
    (dict(num_frames=50, length=8, fall_cover=0.0), 'fall_cover'),
    (dict(num_frames=50, length=8, fall_start=3), 'both'),
    (dict(num_frames=50, length=8, fall_start=40, fall_end=60), 'outside'),
])
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        cut_windows(**kwargs)
