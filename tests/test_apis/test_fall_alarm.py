"""FallAlarm: one alert a fall, spikes ignored, short dips bridged."""
import pytest

from mmlight.apis import FallAlarm


def run(alarm, scores):
    events = [e for t, p in enumerate(scores)
              if (e := alarm.update(float(t), p)) is not None]
    last = alarm.flush()
    return events + ([last] if last else [])


def test_one_event_per_fall_with_hysteresis():
    alarm = FallAlarm(on_threshold=0.6, off_threshold=0.4, min_on=2,
                      min_off=2, smoothing=1.0)
    scores = [0.1, 0.9, 0.1,                 # a lone spike: no alert
              0.7, 0.8, 0.5, 0.9, 0.3, 0.2,  # a fall with a dip above off
              0.1, 0.1, 0.95, 0.97]          # another, open at the end
    events = run(alarm, scores)
    assert events == [dict(start=3.0, end=6.0, peak=0.9),
                      dict(start=11.0, end=12.0, peak=0.97)]
    assert alarm.events == events


def test_smoothing_delays_and_damps():
    fast = run(FallAlarm(min_on=1, min_off=1, smoothing=1.0),
               [0.0, 1.0, 0.0, 0.0])
    slow = run(FallAlarm(min_on=1, min_off=1, smoothing=0.3),
               [0.0, 1.0, 0.0, 0.0])
    assert len(fast) == 1 and slow == []  # one high window is damped


@pytest.mark.parametrize('kwargs', [
    dict(on_threshold=0), dict(off_threshold=0.95), dict(min_on=0),
    dict(min_off=1.5), dict(smoothing=0)])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        FallAlarm(**kwargs)
