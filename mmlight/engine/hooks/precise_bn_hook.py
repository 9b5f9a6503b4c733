"""Recompute BatchNorm statistics before each evaluation."""
import bisect
import math
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmlight.models.utils import update_bn_stats
from mmlight.registry import HOOKS


@HOOKS.register_module()
class PreciseBNHook(Hook):
    """Precise BatchNorm: refresh the running statistics after training
    epochs, so validation, test and the saved checkpoint use statistics of
    the final weights (see :func:`mmlight.models.utils.update_bn_stats`).

    Runs after the epochs the train loop validates after (its
    ``val_begin``, ``val_interval`` and ``dynamic_intervals``) and after the
    last, before validation and before the checkpoint is written; with no
    validation, or with ``interval`` given, after every ``interval``-th
    epoch and the last. An epoch's checkpoint that no validation follows
    keeps the running statistics (a resume point: the statistics are
    recomputed before the next evaluation). The hook draws its batches from
    the training loader, so where it runs is part of the run's randomness.

    Args:
        num_samples (int): Training clips to average over (rounded up to
            whole batches). Defaults to 256.
        interval (int, optional): Every this many epochs, whether or not
            validation follows. Defaults to None: before each validation.

    Examples:
        >>> custom_hooks = [dict(type='PreciseBNHook', num_samples=256)]
        >>> # validation (and Precise BN) on the last 4 of 8 epochs only
        >>> train_cfg = dict(max_epochs=8, val_begin=5)
    """

    # Before CheckpointHook (VERY_LOW) saves and before validation runs.
    priority = 'ABOVE_NORMAL'

    def __init__(self, num_samples: int = 256,
                 interval: Optional[int] = None) -> None:
        if not isinstance(num_samples, int) or num_samples < 1:
            raise ValueError(
                f'num_samples must be an int >= 1, got {num_samples!r}')
        if interval is not None and (not isinstance(interval, int)
                                     or interval < 1):
            raise ValueError(
                f'interval must be None or an int >= 1, got {interval!r}')
        self.num_samples = num_samples
        self.interval = interval
        self.last_used: Optional[int] = None

    def _due(self, runner) -> bool:
        """Whether to run after the epoch that just ended."""
        if self.is_last_train_epoch(runner):
            return True
        loop = runner.train_loop
        # `_val_loop`: the property would build the val loop (and its
        # dataset) now instead of where the train loop first needs it
        if self.interval is not None or getattr(runner, '_val_loop',
                                                None) is None or \
                not hasattr(loop, 'val_begin'):
            return self.every_n_epochs(runner, self.interval or 1)
        epoch = runner.epoch + 1  # the epoch that ended, counted from 1
        interval = loop.val_interval
        milestones = getattr(loop, 'dynamic_milestones', None)
        if milestones:  # what the loop decides after this epoch
            step = bisect.bisect(milestones, epoch + 1)
            interval = loop.dynamic_intervals[step - 1]
        return epoch >= loop.val_begin and epoch % interval == 0

    def after_train_epoch(self, runner) -> None:
        """Refresh the statistics on ``num_samples`` training clips."""
        if not self._due(runner):
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        loader = runner.train_dataloader
        batch_size = loader.batch_size
        if batch_size is None:  # a batch sampler: its mean batch this epoch
            sizes = [len(batch) for batch in loader.batch_sampler]
            batch_size = max(1, sum(sizes) // max(1, len(sizes)))
        num_iters = math.ceil(self.num_samples / batch_size)

        def forward(m, batch):
            data = m.data_preprocessor(batch, training=False)
            m(**data, mode='tensor')

        # A model whose training batches are not its inference inputs (a
        # distillation algorithm) says how to run its student on them.
        forward = getattr(model, 'precise_bn_forward', forward)
        self.last_used = update_bn_stats(model, iter(loader), num_iters,
                                         forward)
        runner.logger.info(
            f'PreciseBN: BatchNorm statistics recomputed on '
            f'{self.last_used} batches')
