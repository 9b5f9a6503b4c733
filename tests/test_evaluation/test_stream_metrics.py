"""Event matching: one alert a fall, in a window around it."""
import math

from mmlight.evaluation.stream_metrics import match_fall_events


def test_matching_counts_and_delays():
    falls = [dict(start=10, end=11), dict(start=50, end=51),
             dict(start=90, end=91)]
    alerts = [dict(start=9.8, end=12), dict(start=10.5, end=13),  # 2nd: FP
              dict(start=53.5, end=55),                            # late: FP
              dict(start=92.0, end=93)]
    m = match_fall_events(alerts, falls, max_delay=2.0, early=0.5)
    assert (m['true_positives'], m['false_positives'],
            m['false_negatives']) == (2, 2, 1)
    assert m['precision'] == 0.5 and math.isclose(m['recall'], 2 / 3)
    assert [round(d, 2) for d in m['delays']] == [-0.2, 2.0]
    empty = match_fall_events([], [])
    assert math.isnan(empty['precision']) and math.isnan(empty['recall'])
