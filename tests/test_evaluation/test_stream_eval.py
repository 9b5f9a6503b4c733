"""Stream evaluation over whole annotated videos: the protocol's counts,
replaying the alarm, choosing it on val scores, and a real detector run."""
import json

import numpy as np
import pytest

from mmlight.evaluation.stream_eval import (choose_alarm, event_figures,
                                            load_videos, replay_alarm,
                                            score_video)

FPS = 10.0


def video(fall=None, frames=200):
    start, end = fall or (None, None)
    return dict(path='v.mp4', fps=FPS, num_frames=frames, fall_start=start,
                fall_end=end, label=int(fall is not None))


def test_detections_false_alarms_and_post_fall_alerts():
    videos = [video((100, 109)), video((50, 59)), video(None, 360)]
    events = [
        # fall at 10.0-11.0 s: detected 0.4 s late; an alert 30 s later is
        # the person still down, not a false alarm
        [dict(start=10.4, end=11.0), dict(start=19.0, end=19.5)],
        # an alert at 1 s (before the fall at 5 s) is a false alarm; the
        # fall is missed
        [dict(start=1.0, end=1.5)],
        # a no-fall video: every alert is a false alarm
        [dict(start=3.0, end=4.0), dict(start=20.0, end=21.0)],
    ]
    figs = event_figures(videos, events, max_delay=3.0, early=0.5)
    assert (figs['falls'], figs['detected']) == (2, 1)
    assert figs['recall'] == 0.5
    assert figs['mean_delay'] == pytest.approx(0.4)
    assert figs['false_alarms'] == 3 and figs['post_fall_alerts'] == 1
    assert figs['precision'] == pytest.approx(1 / 4)
    # no-fall footage: 9.5 s + 4.5 s before the falls, 36 s of no-fall video
    assert figs['no_fall_hours'] == pytest.approx(50.0 / 3600)
    assert figs['false_alarms_per_hour'] == pytest.approx(3 / (50 / 3600))
    assert figs['missed'] == ['v.mp4']


def test_replay_alarm_matches_fall_alarm():
    times = np.arange(10) * 0.4
    probs = [0.1, 0.2, 0.95, 0.97, 0.3, 0.2, 0.1, 0.99, 0.1, 0.1]
    events = replay_alarm(times, probs, on_threshold=0.9, off_threshold=0.5,
                          min_off=2)
    assert [(e['start'], e['end']) for e in events] == [
        (pytest.approx(0.8), pytest.approx(1.2)),
        (pytest.approx(2.8), pytest.approx(2.8))]


def test_choose_alarm_prefers_recall_within_the_false_alarm_budget():
    videos = [video((100, 109)), video(None, 36000)]  # 1 h of no fall
    t = np.arange(0, 20, 0.4)
    fall_scores = np.where((t > 10) & (t < 12), 0.75, 0.1)
    # the no-fall video has two windows at 0.65: a threshold below that
    # raises 2 false alarms in the hour
    tn = np.arange(0, 3600, 0.4)
    quiet = np.full(len(tn), 0.1)
    quiet[[100, 5000]] = 0.65
    alarm, figs = choose_alarm(videos, [(t, fall_scores), (tn, quiet)],
                               max_false_alarms_per_hour=1.0,
                               grid=dict(on_threshold=(0.5, 0.6, 0.7, 0.8),
                                         min_on=(1, ), smoothing=(1.0, )))
    assert alarm['on_threshold'] == 0.7  # 0.8 misses the fall
    assert figs['recall'] == 1.0 and figs['false_alarms'] == 0


def test_load_videos_reads_the_converter_meta(tmp_path):
    meta = dict(clips=[
        dict(path='videos/a.mp4', fps=25.0, num_frames=100, fall_start=10,
             fall_end=20, label=1, split='test'),
        dict(path='videos/b.mp4', fps=25.0, num_frames=80, fall_start=None,
             fall_end=None, label=0, split='val')])
    (tmp_path / 'meta.json').write_text(json.dumps(meta))
    videos = load_videos(str(tmp_path), 'test')
    assert [v['path'] for v in videos] == [str(tmp_path / 'videos/a.mp4')]
    with pytest.raises(ValueError, match="no video in split 'train'"):
        load_videos(str(tmp_path), 'train')
    with pytest.raises(FileNotFoundError, match='convert the dataset'):
        load_videos(str(tmp_path / 'nope'), 'test')


def test_score_video_runs_a_fresh_detector_over_every_frame(tmp_path,
                                                           make_video):
    from mmlight.apis import StreamingFallDetector
    from mmlight.registry import MODELS
    path = make_video(str(tmp_path / 'v.mp4'), num_frames=30)
    made = []

    def factory():
        made.append(1)
        return StreamingFallDetector(
            lambda x: np.array([0.3, 0.7]),
            MODELS.build(dict(type='ActionDataPreprocessor',
                              format_shape='NCHW')), 8, 4,
            (32, 24), 1, stride=4)

    times, probs, summary = score_video(factory, path, 15.0)
    assert made == [1] and summary['frames'] == 30
    # windows end at frames 8, 12, ..., 28 (1-based)
    assert len(times) == 6 and np.allclose(probs, 0.7)
