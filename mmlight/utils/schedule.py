"""Values that move from a start to an end value over training, and
MMEngine parameter schedules replayed to a step."""
import math
import warnings
from typing import Any, Dict, List, Sequence, Tuple

__all__ = ['scheduled_value', 'schedule_changes', 'replay_schedulers']

# Scheduler attributes that change while training; every other attribute of
# an MMEngine ``_ParamScheduler`` comes from its config.
_RUNTIME_KEYS = frozenset({
    'last_step', '_global_step', '_last_value', 'verbose', 'optimizer',
    '_get_value_called_within_step'
})


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


def schedule_changes(built: Any, saved: Dict[str, Any]) -> Dict[str, Tuple]:
    """The config attributes in which a built scheduler differs from a saved
    state of one.

    Args:
        built: A freshly built MMEngine ``_ParamScheduler``.
        saved: ``state_dict()`` of a scheduler (from a checkpoint).

    Returns:
        dict: ``{name: (saved value, built value)}`` for each config
        attribute (``begin``, ``end``, ``T_max``, ``eta_min``,
        ``base_values``, ...) that differs; empty when the schedules are the
        same, or when the scheduler types differ (then ``{'type': ...}``).
    """
    changes: Dict[str, Tuple] = {}
    if getattr(built, 'need_val_args', False):
        # ReduceOnPlateau: its attributes follow the metrics, not a schedule
        return changes
    own = built.state_dict()
    for key in sorted((set(own) | set(saved)) - _RUNTIME_KEYS):
        if key not in own or key not in saved:
            changes['type'] = ('?', type(built).__name__)
            break
        if callable(own[key]) or callable(saved[key]):
            continue  # e.g. OneCycleLR's anneal_func: a bound method
        if own[key] != saved[key]:
            changes[key] = (saved[key], own[key])
    return changes


def replay_schedulers(schedulers: Sequence[Any], epochs: int,
                      iters_per_epoch: int) -> None:
    """Step freshly built schedulers as training would have over ``epochs``
    epochs, in the order of MMEngine's ``ParamSchedulerHook``: iteration-
    based ones after each iteration, epoch-based ones after each epoch.

    The values they set on their optimizers are then those of a run that
    trained ``epochs`` epochs with these schedules from the start, bitwise
    (the same recursive formulas, in the same order).

    Args:
        schedulers: Built schedulers at step 0 (all of them, of every
            optimizer), modified in place with their optimizers' groups.
        epochs: Epochs done, >= 0.
        iters_per_epoch: Iterations in each epoch, >= 1.

    Raises:
        ValueError: A scheduler needs validation metrics to step
            (``ReduceOnPlateau``), which cannot be replayed.
    """
    for scheduler in schedulers:
        if getattr(scheduler, 'need_val_args', False):
            raise ValueError(
                f'{type(scheduler).__name__} steps on validation metrics '
                'and cannot be replayed to another schedule')
    iter_based: List[Any] = [s for s in schedulers if not s.by_epoch]
    epoch_based: List[Any] = [s for s in schedulers if s.by_epoch]
    with warnings.catch_warnings():
        # "scheduler.step() before optimizer.step()": no optimizer steps in
        # a replay, by design.
        warnings.simplefilter('ignore', UserWarning)
        for _ in range(epochs):
            for _ in range(iters_per_epoch if iter_based else 0):
                for scheduler in iter_based:
                    scheduler.step()
            for scheduler in epoch_based:
                scheduler.step()
