"""Recompute BatchNorm statistics before each evaluation."""
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

    Runs after each ``interval``-th epoch and after the last, before
    validation and before the checkpoint is written.

    Args:
        num_samples (int): Training clips to average over (rounded up to
            whole batches). Defaults to 256.
        interval (int): Every this many epochs. Defaults to 1.

    Examples:
        >>> custom_hooks = [dict(type='PreciseBNHook', num_samples=256)]
    """

    # Before CheckpointHook (VERY_LOW) saves and before validation runs.
    priority = 'ABOVE_NORMAL'

    def __init__(self, num_samples: int = 256, interval: int = 1) -> None:
        if not isinstance(num_samples, int) or num_samples < 1:
            raise ValueError(
                f'num_samples must be an int >= 1, got {num_samples!r}')
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'interval must be an int >= 1, got {interval!r}')
        self.num_samples = num_samples
        self.interval = interval
        self.last_used: Optional[int] = None

    def after_train_epoch(self, runner) -> None:
        """Refresh the statistics on ``num_samples`` training clips."""
        if not (self.every_n_epochs(runner, self.interval)
                or self.is_last_train_epoch(runner)):
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
