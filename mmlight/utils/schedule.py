"""Values that move from a start to an end value over training."""
import math

__all__ = ['scheduled_value']


def scheduled_value(start: float, end: float, progress: float,
                    mode: str = 'linear') -> float:
    """Interpolate from ``start`` (progress 0) to ``end`` (progress >= 1).

    Args:
        start: Value at the beginning.
        end: Value at the end and after it.
        progress: Fraction of the schedule done; clipped to ``[0, 1]``.
        mode: ``'linear'``, ``'cosine'`` (half cosine, flat at both ends) or
            ``'step'`` (``start`` until the end, then ``end``). Defaults to
            ``'linear'``.

    Returns:
        float: The value at ``progress``.
    """
    p = min(max(progress, 0.0), 1.0)
    if mode == 'linear':
        w = p
    elif mode == 'cosine':
        w = (1 - math.cos(math.pi * p)) / 2
    elif mode == 'step':
        w = 1.0 if p >= 1.0 else 0.0
    else:
        raise ValueError(f"unknown schedule mode {mode!r}; use 'linear', "
                         "'cosine' or 'step'")
    return start + (end - start) * w
