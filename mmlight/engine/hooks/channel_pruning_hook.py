"""Prune channels at the start of chosen epochs and fine-tune between."""
import inspect
import itertools
from typing import Any, Dict, Optional, Sequence

import torch
import torch.nn as nn

from mmlight.compression.pruning import (SHAPES_KEY, ChannelPruner,
                                         accumulate_gradients, checkpoint_shapes,
                                         format_report, pruned_shapes,
                                         reshape_to_checkpoint)
from mmlight.engine.hooks.base_pruning_hook import BasePruningHook
from mmlight.models.algorithms import VideoDistill
from mmlight.utils.checks import check_positive_int
from mmlight.registry import HOOKS

__all__ = ['ChannelPruningHook']


@HOOKS.register_module()
class ChannelPruningHook(BasePruningHook):
    """Prune -> fine-tune -> prune ... with :class:`ChannelPruner`.

    At the start of each epoch in ``prune_at`` one pruning step runs on the
    model (on ``model.student`` for a distillation algorithm): the graph is
    traced on one training batch after the data preprocessor, channels are
    removed, the optimizer is pointed at the new parameters (state of the
    pruned ones restarts) and the report (params/FLOPs before and after,
    narrowed layers, layers left alone and why) is logged. Every checkpoint
    written afterwards carries the pruned shapes in ``meta``
    (:mod:`~mmlight.compression.pruning.shapes`); loading such a checkpoint
    (``load_from``, ``--resume``, ``tools/test.py``) reshapes the freshly
    built model first, so configs with this hook train, resume and test
    pruned models. A resumed run does not repeat steps it has done.

    Args:
        pruner: :class:`ChannelPruner` arguments, e.g. ``dict(importance=
            'magnitude', pruning_ratio=0.4, round_to=8)``; its
            ``iterative_steps`` is ``len(prune_at)``.
        prune_at: Increasing epochs (0-based, < ``max_epochs``) at whose
            start a step runs. Defaults to ``(0, )``.
        taylor_batches: Training batches whose gradients rank channels for
            ``importance='taylor'``. Defaults to 4.

    Under DDP rank 0 runs the step (its own batches rank channels for
    ``'taylor'``) and the other ranks take its pruned shapes (see
    :class:`BasePruningHook`). Loading a pruned checkpoint under DDP
    reshapes and re-wraps the same way on every rank.

    Note:
        Test a pruned checkpoint with a config that has this hook: without
        it MMEngine's non-strict loading only warns about the size
        mismatches. :class:`UnstructuredPruningHook` zeroes weights
        instead (no faster on dense kernels).

    Examples:
        >>> custom_hooks = [dict(type='ChannelPruningHook',
        ...                      pruner=dict(pruning_ratio=0.4, round_to=8),
        ...                      prune_at=[0, 2])]
    """

    def __init__(self,
                 pruner: dict,
                 prune_at: Sequence[int] = (0, ),
                 taylor_batches: int = 4) -> None:
        super().__init__(prune_at)
        self.taylor_batches = check_positive_int('taylor_batches',
                                                 taylor_batches)
        if not isinstance(pruner, dict):
            raise ValueError('`pruner` must be a dict of ChannelPruner '
                             f'arguments, got {pruner!r}')
        cfg = dict(pruner)
        steps = cfg.pop('iterative_steps', len(self.prune_at))
        if steps != len(self.prune_at):
            raise ValueError(
                f'`pruner.iterative_steps` ({steps}) must equal '
                f'len(prune_at) ({len(self.prune_at)}): one step per '
                'epoch in prune_at')
        allowed = set(inspect.signature(ChannelPruner).parameters)
        unknown = set(cfg) - allowed
        if unknown:
            raise ValueError(f'`pruner`: unknown keys {sorted(unknown)};'
                             f' allowed: {sorted(allowed)}')
        self.pruner = ChannelPruner(iterative_steps=len(self.prune_at), **cfg)

    # ------------------------------------------------------------ helpers
    @staticmethod
    def _data(model: nn.Module, target: nn.Module, batch: dict,
              training: bool) -> dict:
        """``batch`` as ``target``'s preprocessed inputs."""
        if target is not model and isinstance(model, VideoDistill):
            # cut the student's view from the decoded clips
            data = model.data_preprocessor(batch, False)
            batch = dict(inputs=model.student_inputs(data['inputs']),
                         data_samples=data['data_samples'])
        return target.data_preprocessor(batch, training)

    def _loss(self, model: nn.Module, target: nn.Module,
              batch: dict) -> torch.Tensor:
        data = self._data(model, target, batch, True)
        loss, _ = target.parse_losses(target(**data, mode='loss'))
        return loss

    # ----------------------------------------------- BasePruningHook's
    def _prepare(self, target: nn.Module) -> None:
        self.pruner.check_names(target)

    def _step(self, runner, model: nn.Module, target: nn.Module,
              index: int) -> str:
        batches = iter(runner.train_dataloader)
        first = next(batches)
        if self.pruner.model is not target:
            inputs = self._data(model, target, first, False)['inputs']
            self.pruner.attach(target, inputs, steps_done=self.steps_done)
        if self.pruner.importance == 'taylor':
            accumulate_gradients(
                target,
                itertools.islice(itertools.chain([first], batches),
                                 self.taylor_batches),
                lambda m, b: self._loss(model, m, b))
        message = format_report(self.pruner.step())
        self.steps_done = self.pruner.steps_done
        return message

    def _shapes_for_other_ranks(self,
                                target: nn.Module) -> Optional[Dict[str, Any]]:
        return pruned_shapes(target)

    # -------------------------------------------------------------- hooks
    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store the pruned shapes and the steps done in ``meta``."""
        super().before_save_checkpoint(runner, checkpoint)
        if self.steps_done:
            model, target = self._unwrap(runner)
            shapes = pruned_shapes(target)
            shapes['root'] = 'student' if target is not model else ''
            checkpoint['meta'][SHAPES_KEY] = shapes

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Reshape the model to a pruned checkpoint before it is loaded."""
        if checkpoint_shapes(checkpoint) is not None:
            model, _ = self._unwrap(runner, 'loading a pruned checkpoint')
            old = dict(model.named_parameters())
            changed = reshape_to_checkpoint(model, checkpoint)
            model, _ = self._rewrap(runner, model)  # every rank loads it
            self._rebind(runner, old, model)
            runner.logger.info(
                f'ChannelPruningHook: {len(changed)} modules reshaped to '
                'the pruned checkpoint')
        super().after_load_checkpoint(runner, checkpoint)
