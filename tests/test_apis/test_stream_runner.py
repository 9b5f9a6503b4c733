"""run_stream: events handed out as they end, and Ctrl-C ends the stream
like its last frame (open event closed, files complete)."""
import json

import pytest

from mmlight.apis import FallAlarm, StreamingFallDetector, run_stream


def detector(make_scorer):
    scorer, preprocessor = make_scorer()
    return StreamingFallDetector(
        scorer, preprocessor, window_frames=8, num_segments=8,
        size=(64, 48), fall_index=6, stride=2,
        alarm=FallAlarm(0.6, 0.4, min_on=1, min_off=1))


def test_each_event_is_handed_out_as_it_ends(brightness_scorer,
                                             fall_frames_fn):
    frames = fall_frames_fn(120, fall=(30, 50))
    done = []
    handed = []

    def stream():
        for i, frame in enumerate(frames):
            done.append(i)
            yield i / 15, frame

    summary = run_stream(stream(), detector(brightness_scorer), 15.0,
                         memory_every=0,
                         on_event=lambda e: handed.append((e, done[-1])))
    assert len(handed) == 1 and handed[0][0] == summary['events'][0]
    # handed out at the first dark window, not at the end of the stream
    assert 50 <= handed[0][1] <= 52
    assert summary['interrupted'] is False and summary['frames'] == 120


def test_ctrl_c_ends_the_stream_with_its_open_event(brightness_scorer,
                                                   fall_frames_fn, tmp_path):
    frames = fall_frames_fn(120, fall=(30, 200))  # still falling at Ctrl-C

    def camera():
        for i, frame in enumerate(frames[:60]):
            yield i / 15, frame
        raise KeyboardInterrupt

    handed = []
    out_json, out_video = tmp_path / 'e.jsonl', tmp_path / 'a.mp4'
    try:
        summary = run_stream(camera(), detector(brightness_scorer), 15.0,
                             str(out_json), str(out_video), memory_every=0,
                             on_event=handed.append)
    except KeyboardInterrupt:  # would end the pytest session
        pytest.fail('Ctrl-C escaped run_stream()')
    assert summary['interrupted'] is True
    assert summary['frames'] == 60 and summary['last_time'] == 59 / 15
    (event, ) = summary['events']
    # windows end on odd frames (the first at 7, every 2)
    assert event['start'] == 31 / 15 and event['end'] == 59 / 15
    assert handed == [event]
    assert [json.loads(line) for line in
            out_json.read_text().splitlines()] == [event]
    from mmlight.datasets import dataset_clip_sizes
    assert dataset_clip_sizes([dict(filename=str(out_video))])[0][0] == 60
