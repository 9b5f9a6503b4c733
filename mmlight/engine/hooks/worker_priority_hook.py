"""Dataloader workers at a lower CPU priority than the training threads."""
import os
from functools import partial
from typing import Callable, Optional

from mmengine.device import get_device
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmlight.registry import HOOKS


def lower_priority_worker_init(worker_id: int, increment: int,
                               init_fn: Optional[Callable] = None) -> None:
    """A dataloader worker's ``worker_init_fn``: raise the worker's nice
    value by ``increment``, then run the loader's own ``init_fn`` (MMEngine
    seeds the worker there).

    Args:
        worker_id (int): The worker's index in its loader.
        increment (int): Added to the nice value the worker inherited
            (capped by the OS at 19).
        init_fn (callable, optional): The loader's own worker_init_fn.
            Defaults to None.
    """
    os.nice(increment)
    if init_fn is not None:
        init_fn(worker_id)


def _is_wrapped(init_fn: Optional[Callable]) -> bool:
    """Whether a loader's worker_init_fn is already
    :func:`lower_priority_worker_init` around its own."""
    return isinstance(init_fn, partial) and \
        init_fn.func is lower_priority_worker_init


@HOOKS.register_module()
class WorkerPriorityHook(Hook):
    """Start the dataloader workers at a lower CPU priority (a higher nice
    value) than the process that trains, tests or validates.

    Where a model trains on the CPU, its threads and the dataloader's
    decoding workers share the cores. PyTorch's parallel regions wait for
    their slowest thread, so a worker that takes a core from one training
    thread stalls them all. With the workers niced, the OS runs them in the
    cores' idle moments and the training threads whenever they are ready;
    the workers still keep the prefetch queue full when a step is longer
    than the decoding of its batch. Measured on 2 AVX2 cores, ResNet-18 TSM
    teacher of ``make demo``, batch of 8 clips, 2 decoding workers, one run
    after the other: batches 10-123 of the first epoch in 79 s against 83 s
    (about 5%; the data wait 0.04 against 0.01 s a batch).

    Orchestration only: before each train, val or test epoch the loop's
    loader gets :func:`lower_priority_worker_init` around its own
    ``worker_init_fn`` (MMEngine's seeding stays as it is: the same random
    draws); after the epoch the loader's own function is put back, so hooks
    that re-seed workers per epoch (:class:`RandomStateHook`) see it. It
    only takes effect where workers start: at each epoch, or once for
    ``persistent_workers=True``. A loader with ``num_workers=0`` is left
    alone.

    Args:
        increment (int): Nice value added to the workers' (0-19; the OS caps
            the result at 19). 0 leaves the workers as they are: MMEngine
            refuses ``None`` for a default hook it does not define, so
            ``--cfg-options default_hooks.worker_priority.increment=0`` is
            how a run turns it off. Defaults to 19.
        cpu_only (bool): Lower the workers' priority only where the model
            runs on the CPU; on a GPU the training process mostly waits for
            the device and the workers do not compete with it. Defaults to
            True.

    Examples:
        >>> default_hooks = dict(
        ...     worker_priority=dict(type='WorkerPriorityHook'))
    """

    # Last of the before-epoch hooks: wraps what the others (RandomStateHook
    # re-seeding the workers) left in place.
    priority = 'LOWEST'

    def __init__(self, increment: int = 19, cpu_only: bool = True) -> None:
        if isinstance(increment, bool) or not isinstance(increment, int) \
                or not 0 <= increment <= 19:
            raise ValueError('WorkerPriorityHook: `increment` must be an int '
                             f'in 0..19, got {increment!r}')
        self.increment = increment
        self.cpu_only = bool(cpu_only)
        self._active: Optional[bool] = None

    def _applies(self) -> bool:
        if self._active is None:
            self._active = self.increment > 0 and hasattr(os, 'nice') and (
                not self.cpu_only or get_device() == 'cpu')
            if self._active:
                print_log(
                    f'WorkerPriorityHook: dataloader workers start at nice '
                    f'+{self.increment}', logger='current')
        return self._active

    def _wrap(self, loader) -> None:
        if not self._applies() or not getattr(loader, 'num_workers', 0):
            return
        init = loader.worker_init_fn
        if _is_wrapped(init):
            return
        loader.worker_init_fn = partial(
            lower_priority_worker_init, increment=self.increment,
            init_fn=init)

    @staticmethod
    def _unwrap(loader) -> None:
        init = getattr(loader, 'worker_init_fn', None)
        if _is_wrapped(init):
            loader.worker_init_fn = init.keywords['init_fn']

    def before_train_epoch(self, runner) -> None:
        self._wrap(runner.train_dataloader)

    def after_train_epoch(self, runner) -> None:
        self._unwrap(runner.train_dataloader)

    def before_val_epoch(self, runner) -> None:
        self._wrap(runner.val_dataloader)

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._unwrap(runner.val_dataloader)

    def before_test_epoch(self, runner) -> None:
        self._wrap(runner.test_dataloader)

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._unwrap(runner.test_dataloader)
