"""Schedule the distillation loss weight and temperature over training."""
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmlight.registry import HOOKS
from mmlight.utils.schedule import scheduled_value


@HOOKS.register_module()
class DistillScheduleHook(Hook):
    """Move a distillation algorithm's loss scale and temperature over time.

    Before every training iteration it sets the algorithm's
    ``distill_loss_scale`` (multiplies all distillation losses) and the
    ``tau`` of every distillation loss that has one, by
    :func:`mmlight.utils.schedule.scheduled_value` of the epoch progress
    between ``begin`` and ``end`` (fractional epochs: smooth per iteration).

    Args:
        scale: ``(start, end)`` of the loss scale, or None to leave it.
            Defaults to None.
        tau: ``(start, end)`` of the temperature, or None to leave it.
            Defaults to None.
        begin: Epoch at which the schedule starts. Defaults to 0.
        end: Epoch at which it reaches its end values; None means the last
            epoch. Defaults to None.
        mode: ``'linear'``, ``'cosine'`` or ``'step'``. Defaults to
            ``'linear'``.

    Examples:
        >>> # teacher-heavy start, labels-only by the end
        >>> custom_hooks = [dict(type='DistillScheduleHook',
        ...                      scale=(1.0, 0.0), tau=(4.0, 1.0))]
    """

    priority = 'NORMAL'

    def __init__(self,
                 scale: Optional[Sequence[float]] = None,
                 tau: Optional[Sequence[float]] = None,
                 begin: int = 0,
                 end: Optional[int] = None,
                 mode: str = 'linear') -> None:
        for name, value in (('scale', scale), ('tau', tau)):
            if value is not None and len(value) != 2:
                raise ValueError(f'`{name}` must be (start, end), got '
                                 f'{value!r}')
        if tau is not None and min(tau) <= 0:
            raise ValueError(f'`tau` values must be > 0, got {tau!r}')
        if end is not None and end <= begin:
            raise ValueError(f'`end` ({end}) must be after `begin` '
                             f'({begin})')
        scheduled_value(0.0, 1.0, 0.0, mode)  # validates mode
        self.scale, self.tau = scale, tau
        self.begin, self.end, self.mode = begin, end, mode

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch=None) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if not hasattr(model, 'distill_loss_scale'):
            raise TypeError('DistillScheduleHook needs a distillation '
                            f'algorithm (e.g. VideoDistill), got '
                            f'{type(model).__name__}')
        end = self.end if self.end is not None else runner.max_epochs
        epoch = runner.epoch + batch_idx / max(len(runner.train_dataloader),
                                               1)
        progress = (epoch - self.begin) / (end - self.begin)
        if self.scale is not None:
            model.distill_loss_scale = scheduled_value(
                *self.scale, progress, self.mode)
        if self.tau is not None:
            tau = scheduled_value(*self.tau, progress, self.mode)
            for loss in model.distiller.distill_losses.values():
                if hasattr(loss, 'tau'):
                    loss.tau = tau
