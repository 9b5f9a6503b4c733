"""Prune a model at the start of chosen epochs and fine-tune it between."""
import inspect
import itertools
from typing import Any, Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.dist import broadcast_object_list, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch.nn.parallel import DistributedDataParallel

from mmlight.compression.pruning.channel_pruning import (
    ChannelPruner, accumulate_gradients, apply_masks,
    apply_pruned_shapes, apply_unstructured_pruning, format_report,
    pruned_shapes, rebind_optimizer_params, zero_masks)
from mmlight.models.utils.checks import check_positive_int
from mmlight.registry import HOOKS

#: Checkpoint ``meta`` keys: the pruned architecture, the steps done.
SHAPES_KEY = 'mmlight_pruned_shapes'
STEPS_KEY = 'mmlight_pruning_steps'


@HOOKS.register_module()
class ChannelPruningHook(Hook):
    """Prune -> fine-tune -> prune ... with :class:`ChannelPruner`.

    At the start of each epoch in ``prune_at`` one pruning step runs on the
    model (on ``model.student`` for a distillation algorithm): the graph is
    traced on one training batch after the data preprocessor, channels are
    removed, the optimizer is pointed at the new parameters (state of the
    pruned ones restarts) and the report (params/FLOPs before and after,
    narrowed layers, layers left alone and why) is logged. Every checkpoint
    written afterwards carries the pruned shapes in ``meta``; loading such a
    checkpoint (``load_from``, ``--resume``, ``tools/test.py``) reshapes the
    freshly built model first, so configs with this hook train, resume and
    test pruned models. A resumed run does not repeat steps it has done.

    Args:
        pruner: :class:`ChannelPruner` arguments, e.g. ``dict(importance=
            'magnitude', pruning_ratio=0.4, round_to=8)``; its
            ``iterative_steps`` is ``len(prune_at)``. Defaults to None.
        prune_at: Increasing epochs (0-based, < ``max_epochs``) at whose
            start a step runs. Defaults to ``(0, )``.
        taylor_batches: Training batches whose gradients rank channels for
            ``importance='taylor'``. Defaults to 4.
        unstructured: Instead of ``pruner``: the fraction of conv/linear
            weights zeroed after the last step (global L1, reached linearly
            over the steps, kept zero while fine-tuning). Saves no time on
            dense kernels. Defaults to None.

    Under DDP (``tools/dist_train.sh``, ``--launcher slurm``) rank 0 runs
    the step (its own batches rank channels for ``'taylor'``), the other
    ranks take its pruned shapes, and the model is wrapped again with the
    runner's own ``wrap_model``: DDP registered the old parameters, and the
    new wrapper copies rank 0's weights to every rank. Loading a pruned
    checkpoint under DDP reshapes and re-wraps the same way on every rank.

    Note:
        Epoch-based training only; DDP-style wrappers only (another
        wrapper, e.g. ``nn.DataParallel``, raises NotImplementedError).
        Test a pruned checkpoint with a config that has this hook: without
        it MMEngine's non-strict loading only warns about the size
        mismatches.

    Examples:
        >>> custom_hooks = [dict(type='ChannelPruningHook',
        ...                      pruner=dict(pruning_ratio=0.4, round_to=8),
        ...                      prune_at=[0, 2])]
    """

    priority = 'NORMAL'

    def __init__(self,
                 pruner: Optional[dict] = None,
                 prune_at: Sequence[int] = (0, ),
                 taylor_batches: int = 4,
                 unstructured: Optional[float] = None) -> None:
        if (pruner is None) == (unstructured is None):
            raise ValueError('give exactly one of `pruner` (structured '
                             'channel pruning, a dict of ChannelPruner '
                             'arguments) and `unstructured` (fraction of '
                             'weights to zero)')
        if isinstance(prune_at, (str, int)) or not prune_at or any(
                isinstance(e, bool) or not isinstance(e, int) or e < 0
                for e in prune_at) or list(prune_at) != sorted(
                    set(prune_at)):
            raise ValueError('`prune_at` must be a non-empty, strictly '
                             'increasing sequence of epochs >= 0, got '
                             f'{prune_at!r}')
        self.prune_at = [int(e) for e in prune_at]
        self.taylor_batches = check_positive_int('taylor_batches',
                                                 taylor_batches)
        self.pruner: Optional[ChannelPruner] = None
        self.unstructured: Optional[float] = None
        if pruner is not None:
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
            self.pruner = ChannelPruner(
                iterative_steps=len(self.prune_at), **cfg)
        else:
            if isinstance(unstructured, bool) or not isinstance(
                    unstructured, (int, float)) \
                    or not 0.0 < unstructured < 1.0:
                raise ValueError('`unstructured` must be a float in (0, 1),'
                                 f' got {unstructured!r}')
            self.unstructured = float(unstructured)
        self.steps_done = 0
        self._masks: Dict[str, torch.Tensor] = {}

    # ------------------------------------------------------------ helpers
    @staticmethod
    def _model(runner, what: str) -> nn.Module:
        """The model inside any DDP wrapper."""
        if not is_model_wrapper(runner.model):
            return runner.model
        if not isinstance(runner.model, DistributedDataParallel):
            raise NotImplementedError(
                f'ChannelPruningHook: {what} of a model wrapped in '
                f'{type(runner.model).__name__} is not supported (pruning '
                'replaces parameters the wrapper holds; DDP wrappers are '
                're-wrapped); use DDP or run it in a single process')
        return runner.model.module

    @staticmethod
    def _rewrap(runner, model: nn.Module) -> nn.Module:
        """Wrap ``model`` again after its parameters were replaced.

        The old DDP wrapper's reducer holds the old parameters. The new one
        is built by the runner (same ``model_wrapper_cfg``, ``sync_bn``)
        and broadcasts rank 0's parameters and buffers to every rank.
        Returns the model inside it.
        """
        if not is_model_wrapper(runner.model):
            return model
        runner.model = runner.wrap_model(
            runner.cfg.get('model_wrapper_cfg'), model)
        return runner.model.module

    @staticmethod
    def _target(model: nn.Module) -> nn.Module:
        """The student of a distillation algorithm, else the model."""
        student = getattr(model, 'student', None)
        return student if isinstance(student, nn.Module) else model

    @staticmethod
    def _data(model: nn.Module, target: nn.Module, batch: dict,
              training: bool) -> dict:
        """``batch`` as ``target``'s preprocessed inputs."""
        if target is not model and hasattr(model, '_student_inputs'):
            # VideoDistill: cut the student's view from the decoded clips
            data = model.data_preprocessor(batch, False)
            batch = dict(inputs=model._student_inputs(data['inputs']),
                         data_samples=data['data_samples'])
        return target.data_preprocessor(batch, training)

    def _loss(self, model: nn.Module, target: nn.Module,
              batch: dict) -> torch.Tensor:
        data = self._data(model, target, batch, True)
        loss, _ = target.parse_losses(target(**data, mode='loss'))
        return loss

    @staticmethod
    def _rebind(runner, names_before: Dict[int, str],
                model: nn.Module) -> List[str]:
        wrapper = getattr(runner, 'optim_wrapper', None)
        if isinstance(wrapper, OptimWrapperDict):
            wrappers = list(wrapper.values())
        elif isinstance(wrapper, OptimWrapper):
            wrappers = [wrapper]
        else:  # not built (test, or before training builds it)
            return []
        named = dict(model.named_parameters())
        dropped: List[str] = []
        for w in wrappers:
            dropped += rebind_optimizer_params(w.optimizer, names_before,
                                               named)
        return dropped

    # -------------------------------------------------------------- hooks
    def before_train(self, runner) -> None:
        """Check names and epochs before the first iteration."""
        late = [e for e in self.prune_at if e >= runner.max_epochs]
        if late:
            raise ValueError(f'ChannelPruningHook: prune_at epochs {late} '
                             f'are not < max_epochs={runner.max_epochs}; '
                             'they would never run')
        if self.steps_done < len(self.prune_at):
            model = self._model(runner, 'pruning during training')
        else:
            model = runner.model.module if is_model_wrapper(
                runner.model) else runner.model
        target = self._target(model)
        if self.pruner is not None:
            self.pruner.check_names(target)
        elif self.steps_done:
            self._masks = zero_masks(target)

    def before_train_epoch(self, runner) -> None:
        """Run a pruning step if this epoch is in ``prune_at``."""
        if runner.epoch not in self.prune_at:
            return
        index = self.prune_at.index(runner.epoch)
        if index < self.steps_done:
            runner.logger.info(f'ChannelPruningHook: step {index + 1} was '
                               'done before the checkpoint; not repeated')
            return
        model = self._model(runner, 'pruning during training')
        target = self._target(model)
        names_before = {id(p): n for n, p in model.named_parameters()}
        distributed = get_world_size() > 1
        message, shapes = '', None
        if get_rank() == 0:
            message = self._step(runner, model, target, index)
            if distributed and self.pruner is not None:
                shapes = pruned_shapes(target)
        if distributed:
            # rank 0 decided; the others take its shapes, and the new DDP
            # wrapper copies its weights (and unstructured zeros) to them
            shared = [shapes, self.steps_done]
            broadcast_object_list(shared, src=0)
            shapes, self.steps_done = shared
            if get_rank() != 0 and shapes is not None:
                apply_pruned_shapes(target, shapes)
            model = self._rewrap(runner, model)
            target = self._target(model)
            if self.pruner is None:
                self._masks = zero_masks(target)
            message += (f'\n(rank {get_rank()} of {get_world_size()}: model '
                        're-wrapped, weights from rank 0)')
        for p in model.parameters():
            p.grad = None
        dropped = self._rebind(runner, names_before, model)
        runner.logger.info(
            f'{message}\noptimizer rebound to the new parameters; state '
            f'restarts for {len(dropped)} of them')

    def _step(self, runner, model: nn.Module, target: nn.Module,
              index: int) -> str:
        """Pruning step ``index`` on ``target``; returns the report."""
        if self.pruner is None:  # magnitudes only: no batch needed
            amount = self.unstructured * (index + 1) / len(self.prune_at)
            sparsity = apply_unstructured_pruning(target, amount)
            self._masks = zero_masks(target)
            self.steps_done = index + 1
            return (f'unstructured pruning step {self.steps_done}/'
                    f'{len(self.prune_at)}: {100 * sparsity:.1f}% of '
                    'conv/linear weights are zero (no faster on dense '
                    'kernels)')
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

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Any = None,
                         outputs: Optional[dict] = None) -> None:
        """Keep unstructured zeros at zero while fine-tuning."""
        if self._masks:
            model = runner.model.module if is_model_wrapper(
                runner.model) else runner.model
            apply_masks(self._target(model), self._masks)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Store the pruned shapes and the steps done in ``meta``."""
        if not self.steps_done:
            return
        meta = checkpoint.setdefault('meta', {})
        meta[STEPS_KEY] = self.steps_done
        if self.pruner is not None:
            model = runner.model.module if is_model_wrapper(
                runner.model) else runner.model
            target = self._target(model)
            shapes = pruned_shapes(target)
            shapes['root'] = 'student' if target is not model else ''
            meta[SHAPES_KEY] = shapes

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Reshape the model to a pruned checkpoint before it is loaded."""
        meta = checkpoint.get('meta') or {}
        shapes = meta.get(SHAPES_KEY)
        if shapes:
            model = self._model(runner, 'loading a pruned checkpoint')
            root = shapes.get('root') or ''
            target = self._target(model) if root else model
            names_before = {id(p): n for n, p in model.named_parameters()}
            changed = apply_pruned_shapes(target, shapes)
            model = self._rewrap(runner, model)  # every rank loads it
            self._rebind(runner, names_before, model)
            runner.logger.info(
                f'ChannelPruningHook: {len(changed)} modules reshaped to '
                'the pruned checkpoint')
        self.steps_done = max(self.steps_done, int(meta.get(STEPS_KEY, 0)))
