"""From a stream of fall probabilities to fall events: smoothing and an
alarm with hysteresis (one alert an event, not one a window)."""
from typing import Dict, List, Optional

__all__ = ['FallAlarm']


class FallAlarm:
    """Exponential smoothing of window scores, then a two-threshold alarm.

    The alarm goes on when the smoothed probability has been at least
    ``on_threshold`` for ``min_on`` consecutive windows, and off when it
    has been below ``off_threshold`` for ``min_off`` windows; the event
    spans from the first window above ``on_threshold`` of the run that
    raised it to the last window before the run that ended it.

    The defaults were chosen on the SynthFall val stream for the TSM
    student, windows 8 frames apart (``tools/demo/fall_detect.py``): a
    clip model is confident only when a window holds the whole fall, so a
    high threshold on single windows beat smoothing there.

    Args:
        on_threshold (float): Smoothed probability that raises the alarm.
            Defaults to 0.9.
        off_threshold (float): Below it the alarm can end; at most
            ``on_threshold``. Defaults to 0.5.
        min_on (int): Windows above ``on_threshold`` to raise it.
            Defaults to 1.
        min_off (int): Windows below ``off_threshold`` to end it.
            Defaults to 2.
        smoothing (float): Weight of the newest score in the exponential
            moving average, in (0, 1]; 1 is no smoothing. Defaults to 1.0.

    Examples:
        >>> alarm = FallAlarm(min_off=1)
        >>> [alarm.update(t, p) for t, p in enumerate([0.1, 0.9, 0.2])]
        [None, None, {'start': 1, 'end': 1, 'peak': 0.9}]
    """

    def __init__(self, on_threshold: float = 0.9,
                 off_threshold: float = 0.5, min_on: int = 1,
                 min_off: int = 2, smoothing: float = 1.0) -> None:
        if not 0.0 < on_threshold <= 1.0:
            raise ValueError(f'on_threshold must be in (0, 1], got '
                             f'{on_threshold!r}')
        if not 0.0 <= off_threshold <= on_threshold:
            raise ValueError('off_threshold must be in [0, on_threshold], '
                             f'got {off_threshold!r}')
        for name, value in (('min_on', min_on), ('min_off', min_off)):
            if isinstance(value, bool) or not isinstance(value, int) \
                    or value < 1:
                raise ValueError(f'{name} must be an int >= 1, got '
                                 f'{value!r}')
        if not 0.0 < smoothing <= 1.0:
            raise ValueError(f'smoothing must be in (0, 1], got '
                             f'{smoothing!r}')
        self.on_threshold = on_threshold
        self.off_threshold = off_threshold
        self.min_on = min_on
        self.min_off = min_off
        self.smoothing = smoothing
        self.score: Optional[float] = None
        self.active = False
        self._run: List[float] = []  # times of the current qualifying run
        self._start: Optional[float] = None
        self._last_high: Optional[float] = None
        self._peak = 0.0
        self.events: List[Dict[str, float]] = []

    def update(self, time: float, probability: float
               ) -> Optional[Dict[str, float]]:
        """Feed one window's fall probability.

        Args:
            time (float): The window's time (its last frame), seconds.
            probability (float): Its fall probability.

        Returns:
            dict | None: The event that this window ended (``start``,
            ``end``, ``peak``), if any.
        """
        self.score = probability if self.score is None else (
            self.smoothing * probability +
            (1 - self.smoothing) * self.score)
        if not self.active:
            if self.score >= self.on_threshold:
                self._run.append(time)
                self._peak = max(self._peak, self.score)
                if len(self._run) >= self.min_on:
                    self.active = True
                    self._start = self._run[0]
                    self._last_high = time
                    self._run = []
            else:
                self._run, self._peak = [], 0.0
            return None
        self._peak = max(self._peak, self.score)
        if self.score >= self.off_threshold:
            self._last_high = time
            self._run = []
            return None
        self._run.append(time)
        if len(self._run) < self.min_off:
            return None
        return self._close()

    def flush(self) -> Optional[Dict[str, float]]:
        """End the stream: close an open event."""
        return self._close() if self.active else None

    def _close(self) -> Dict[str, float]:
        event = dict(start=self._start, end=self._last_high,
                     peak=round(self._peak, 4))
        self.events.append(event)
        self.active = False
        self._run, self._peak = [], 0.0
        self._start = self._last_high = None
        return event
