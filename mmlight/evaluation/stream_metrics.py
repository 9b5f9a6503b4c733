"""Event-level figures of a streaming fall detector: precision, recall and
detection delay against known fall times."""
from typing import Any, Dict, List, Sequence

import numpy as np

__all__ = ['match_fall_events']


def match_fall_events(predicted: Sequence[Dict[str, float]],
                      falls: Sequence[Dict[str, float]],
                      max_delay: float = 3.0,
                      early: float = 0.5) -> Dict[str, Any]:
    """Match alerts to true falls, one to one, in time order.

    An alert detects a fall when it starts no earlier than ``early``
    seconds before the fall starts and no later than ``max_delay`` seconds
    after the fall ends; each fall is matched by its first such alert, and
    each alert matches at most one fall. Unmatched alerts are false alarms.

    Args:
        predicted (Sequence[dict]): Alerts with ``start`` (and ``end``),
            seconds.
        falls (Sequence[dict]): True falls with ``start`` and ``end``.
        max_delay (float): Seconds after a fall's end by which its alert
            must have started. Defaults to 3.0.
        early (float): Seconds an alert may start before the fall (a window
            sees the fall begin). Defaults to 0.5.

    Returns:
        dict: ``true_positives``, ``false_positives``, ``false_negatives``,
        ``precision``, ``recall`` (NaN when undefined), ``delays`` (alert
        start minus fall start, per detected fall) and ``mean_delay``.
    """
    alerts = sorted(predicted, key=lambda e: e['start'])
    used = [False] * len(alerts)
    delays: List[float] = []
    for fall in sorted(falls, key=lambda e: e['start']):
        for i, alert in enumerate(alerts):
            if used[i]:
                continue
            if fall['start'] - early <= alert['start'] <= \
                    fall['end'] + max_delay:
                used[i] = True
                delays.append(alert['start'] - fall['start'])
                break
    tp = len(delays)
    fp = len(alerts) - tp
    fn = len(falls) - tp
    return dict(
        true_positives=tp, false_positives=fp, false_negatives=fn,
        precision=tp / (tp + fp) if tp + fp else float('nan'),
        recall=tp / (tp + fn) if tp + fn else float('nan'),
        delays=delays,
        mean_delay=float(np.mean(delays)) if delays else float('nan'))
