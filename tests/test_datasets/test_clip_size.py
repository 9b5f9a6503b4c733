"""Clip sizes from the annotation or the video header, cached."""
import json

import pytest

from mmlight.datasets import VideoReadError, dataset_clip_sizes
from mmlight.datasets import clip_size as cs


def test_header_sizes_are_read_once_and_cached(tmp_path, monkeypatch,
                                               make_video):
    write_video = make_video
    a = write_video(str(tmp_path / 'a.mp4'), num_frames=8, size=(64, 48))
    b = write_video(str(tmp_path / 'b.mp4'), num_frames=12, size=(32, 24))
    infos = [dict(filename=a), dict(filename=b),
             dict(filename='never/opened.mp4', total_frames=5,
                  img_shape=(10, 20))]
    cache = str(tmp_path / 'cache' / 'sizes.json')
    assert dataset_clip_sizes(infos, cache) == [(8, 48, 64, 3),
                                               (12, 24, 32, 3),
                                               (5, 10, 20, 3)]
    assert set(json.load(open(cache))) == {a, b}

    def fail(filename):
        raise AssertionError(f'{filename} opened again')

    monkeypatch.setattr(cs, 'read_clip_size', fail)
    assert dataset_clip_sizes(infos, cache)[1] == (12, 24, 32, 3)
    # a changed file is read again
    write_video(b, num_frames=4, size=(32, 24))
    with pytest.raises(AssertionError, match='b.mp4 opened again'):
        dataset_clip_sizes(infos, cache)


def test_unreadable_headers_name_the_file(video_dir):
    for name in ('empty.mp4', 'garbage.mp4', 'missing.mp4'):
        path = str(video_dir / name)
        with pytest.raises(VideoReadError, match=name):
            dataset_clip_sizes([dict(filename=path)])
