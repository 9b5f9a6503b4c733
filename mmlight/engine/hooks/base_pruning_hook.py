"""What the pruning hooks share: the epochs schedule, the model they prune,
DDP re-wrapping and the optimizer rebinding after each step."""
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch.nn as nn
from mmengine.dist import broadcast_object_list, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch.nn.parallel import DistributedDataParallel

from mmlight.compression.optimizer import rebind_optimizer
from mmlight.compression.pruning import apply_pruned_shapes

__all__ = ['STEPS_KEY', 'BasePruningHook']

#: Checkpoint ``meta`` key: the pruning steps done.
STEPS_KEY = 'mmlight_pruning_steps'


class BasePruningHook(Hook):
    """Prune at the start of the epochs in ``prune_at``, fine-tune between.

    Subclasses implement :meth:`_step` (one pruning step on the model to
    prune, run on rank 0); this class decides when a step is due (a resumed
    run does not repeat the steps its checkpoint has done), finds the model
    to prune (inside a DDP wrapper, and the ``student`` of a distillation
    algorithm), re-wraps it under DDP, points the optimizer at the new
    parameters, logs the step and records the steps done in checkpoints
    (``meta[STEPS_KEY]``).

    Under DDP (``tools/dist_train.sh``, ``--launcher slurm``) rank 0 runs
    the step, the other ranks take its pruned shapes
    (:meth:`_shapes_for_other_ranks`), and the model is wrapped again with
    the runner's own ``wrap_model``: DDP registered the old parameters, and
    the new wrapper copies rank 0's weights to every rank.

    Args:
        prune_at: Increasing epochs (0-based, < ``max_epochs``) at whose
            start a step runs.

    Note:
        Epoch-based training only; DDP-style wrappers only (another
        wrapper, e.g. ``nn.DataParallel``, raises NotImplementedError).
    """

    priority = 'NORMAL'

    def __init__(self, prune_at: Sequence[int]) -> None:
        if isinstance(prune_at, (str, int)) or not prune_at or any(
                isinstance(e, bool) or not isinstance(e, int) or e < 0
                for e in prune_at) or list(prune_at) != sorted(
                    set(prune_at)):
            raise ValueError('`prune_at` must be a non-empty, strictly '
                             'increasing sequence of epochs >= 0, got '
                             f'{prune_at!r}')
        self.prune_at = [int(e) for e in prune_at]
        self.steps_done = 0

    # ------------------------------------------------ for the subclasses
    def _step(self, runner, model: nn.Module, target: nn.Module,
              index: int) -> str:
        """Pruning step ``index`` on ``target`` (rank 0 only).

        Args:
            runner: The runner.
            model: The model inside any DDP wrapper.
            target: The module to prune (``model`` or its student).
            index: The step's index in ``prune_at``.

        Returns:
            str: The step's report, for the log.
        """
        raise NotImplementedError

    def _prepare(self, target: nn.Module) -> None:
        """Before training: check ``target`` against the options."""

    def _shapes_for_other_ranks(
            self, target: nn.Module) -> Optional[Dict[str, Any]]:
        """The pruned shapes (``pruned_shapes``) that the other ranks
        apply after a step on rank 0; None when the shapes do not
        change."""
        return None

    def _after_rewrap(self, target: nn.Module) -> None:
        """After a step under DDP, on every rank, once rank 0's weights are
        everywhere."""

    # ------------------------------------------------------------ helpers
    def _unwrap(self,
                runner,
                what: Optional[str] = None) -> Tuple[nn.Module, nn.Module]:
        """The model to prune: ``(model, target)``.

        Args:
            runner: The runner.
            what: What replaces the parameters now (e.g. ``'pruning during
                training'``); given, a wrapper other than DDP is refused.
                Defaults to None.

        Returns:
            tuple: The model inside any DDP wrapper, and its ``student``
            (a distillation algorithm's) or else the model itself.

        Raises:
            NotImplementedError: ``what`` is given and the model is in
                another wrapper than DDP.
        """
        model = runner.model
        if is_model_wrapper(model):
            if what is not None and not isinstance(model,
                                                   DistributedDataParallel):
                raise NotImplementedError(
                    f'{type(self).__name__}: {what} of a model wrapped in '
                    f'{type(model).__name__} is not supported (pruning '
                    'replaces parameters the wrapper holds; DDP wrappers are '
                    're-wrapped); use DDP or run it in a single process')
            model = model.module
        student = getattr(model, 'student', None)
        return model, student if isinstance(student, nn.Module) else model

    def _rewrap(self, runner,
                model: nn.Module) -> Tuple[nn.Module, nn.Module]:
        """Wrap ``model`` again after its parameters were replaced.

        The old DDP wrapper's reducer holds the old parameters. The new one
        is built by the runner (same ``model_wrapper_cfg``, ``sync_bn``)
        and broadcasts rank 0's parameters and buffers to every rank.

        Returns:
            tuple: :meth:`_unwrap` of the new wrapper.
        """
        if is_model_wrapper(runner.model):
            runner.model = runner.wrap_model(
                runner.cfg.get('model_wrapper_cfg'), model)
        return self._unwrap(runner)

    @staticmethod
    def _rebind(runner, old: Dict[str, nn.Parameter],
                model: nn.Module) -> List[str]:
        """Point the runner's optimizers at ``model``'s new parameters.

        Returns:
            list[str]: The parameters whose optimizer state restarts.
        """
        wrapper = getattr(runner, 'optim_wrapper', None)
        if isinstance(wrapper, OptimWrapperDict):
            wrappers = list(wrapper.values())
        elif isinstance(wrapper, OptimWrapper):
            wrappers = [wrapper]
        else:  # not built (test, or before training builds it)
            return []
        new = dict(model.named_parameters())
        restarted: List[str] = []
        for w in wrappers:
            restarted += rebind_optimizer(w.optimizer, old, new).restarted
        return restarted

    # -------------------------------------------------------------- hooks
    def before_train(self, runner) -> None:
        """Check the epochs and the model before the first iteration."""
        late = [e for e in self.prune_at if e >= runner.max_epochs]
        if late:
            raise ValueError(f'{type(self).__name__}: prune_at epochs {late} '
                             f'are not < max_epochs={runner.max_epochs}; '
                             'they would never run')
        pending = self.steps_done < len(self.prune_at)
        _, target = self._unwrap(
            runner, 'pruning during training' if pending else None)
        self._prepare(target)

    def before_train_epoch(self, runner) -> None:
        """Run a pruning step if this epoch is in ``prune_at``."""
        if runner.epoch not in self.prune_at:
            return
        index = self.prune_at.index(runner.epoch)
        if index < self.steps_done:
            runner.logger.info(f'{type(self).__name__}: step {index + 1} '
                               'was done before the checkpoint; not '
                               'repeated')
            return
        model, target = self._unwrap(runner, 'pruning during training')
        old = dict(model.named_parameters())
        distributed = get_world_size() > 1
        message, shapes = '', None
        if get_rank() == 0:
            message = self._step(runner, model, target, index)
            if distributed:
                shapes = self._shapes_for_other_ranks(target)
        if distributed:
            # rank 0 decided; the others take its shapes, and the new DDP
            # wrapper copies its weights (and unstructured zeros) to them
            shared = [shapes, self.steps_done]
            broadcast_object_list(shared, src=0)
            shapes, self.steps_done = shared
            if get_rank() != 0 and shapes is not None:
                apply_pruned_shapes(target, shapes)
            model, target = self._rewrap(runner, model)
            self._after_rewrap(target)
            message += (f'\n(rank {get_rank()} of {get_world_size()}: model '
                        're-wrapped, weights from rank 0)')
        for p in model.parameters():
            p.grad = None
        restarted = self._rebind(runner, old, model)
        runner.logger.info(
            f'{message}\noptimizer rebound to the new parameters; state '
            f'restarts for {len(restarted)} of them')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store the steps done in ``meta``."""
        if self.steps_done:
            checkpoint.setdefault('meta', {})[STEPS_KEY] = self.steps_done

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Take the steps done from ``meta`` (not repeated)."""
        meta = checkpoint.get('meta') or {}
        self.steps_done = max(self.steps_done, int(meta.get(STEPS_KEY, 0)))
