"""Frames from a video, a folder or a camera index; bad input named."""
import cv2
import numpy as np
import pytest

from mmlight.apis import open_frames
from mmlight.datasets import VideoReadError


def test_video_and_folder(tmp_path, make_video):
    video = make_video(str(tmp_path / 'v.mp4'), num_frames=6)
    frames, fps = open_frames(video)
    got = list(frames)
    assert fps == 15 and [t for t, _ in got] == [i / 15 for i in range(6)]
    folder = tmp_path / 'frames'
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f'{i:03d}.png'),
                    np.full((8, 8, 3), 40 * i, np.uint8))
    frames, fps = open_frames(str(folder), fps=10)
    got = list(frames)
    assert fps == 10 and len(got) == 3 and got[2][1].mean() == 80


def test_bad_sources_are_named(tmp_path, video_dir):
    with pytest.raises(FileNotFoundError, match='no.mp4'):
        open_frames(str(tmp_path / 'no.mp4'))
    with pytest.raises(VideoReadError, match='holds no image'):
        open_frames(str(tmp_path))
    with pytest.raises(VideoReadError, match='garbage.mp4'):
        open_frames(str(video_dir / 'garbage.mp4'))


def test_a_camera_index(monkeypatch):
    """'0' opens camera 0 through cv2.VideoCapture (a fake one here),
    reads its frame rate, and releases it when the stream ends."""
    import cv2
    import numpy as np
    opened = []

    class FakeCamera:

        def __init__(self, index):
            opened.append(index)
            self.left, self.released = 3, False

        def isOpened(self):
            return opened[-1] == 0

        def get(self, prop):
            return 30.0 if prop == cv2.CAP_PROP_FPS else 0.0

        def read(self):
            self.left -= 1
            return self.left >= 0, np.zeros((48, 64, 3), np.uint8)

        def release(self):
            self.released = True

    monkeypatch.setattr(cv2, 'VideoCapture', FakeCamera)
    frames, fps = open_frames('0')
    assert opened == [0] and fps == 30.0
    assert [t for t, _ in frames] == [0.0, 1 / 30, 2 / 30]
    with pytest.raises(VideoReadError, match='1.*cannot be opened'):
        open_frames(1)


def test_a_missing_camera_is_one_quiet_error(capfd):
    """OpenCV's backends each log a multi-line warning for a camera index
    with no device; only the error raised here remains."""
    with pytest.raises(VideoReadError) as error:
        open_frames('99')  # no machine has a hundred cameras
    assert str(error.value) == ('camera 99: cannot be opened: no such '
                                'device, or another program holds it')
    out, err = capfd.readouterr()
    assert out == '' and err == ''
