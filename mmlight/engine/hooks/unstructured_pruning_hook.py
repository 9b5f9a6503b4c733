"""Zero the smallest weights at the start of chosen epochs and keep them
zero while fine-tuning."""
from typing import Any, Dict, Optional, Sequence

import torch
import torch.nn as nn

from mmlight.compression.pruning import (apply_masks,
                                         apply_unstructured_pruning,
                                         zero_masks)
from mmlight.engine.hooks.base_pruning_hook import BasePruningHook
from mmlight.registry import HOOKS

__all__ = ['UnstructuredPruningHook']


@HOOKS.register_module()
class UnstructuredPruningHook(BasePruningHook):
    """Unstructured magnitude pruning -> fine-tune -> prune ...

    At the start of each epoch in ``prune_at`` the smallest-magnitude
    conv/linear weights of the model (of ``model.student`` for a
    distillation algorithm) are zeroed together (global L1,
    :func:`~mmlight.compression.pruning.apply_unstructured_pruning`), the
    fraction growing linearly to ``amount`` at the last step; after every
    training iteration the zeros are restored. The tensors keep their
    shapes: checkpoints load into the unpruned config's model, and dense
    kernels run exactly as fast (the honest baseline of
    :class:`ChannelPruningHook`). A resumed run does not repeat steps it
    has done and keeps the zeros it finds.

    Args:
        amount: The fraction of conv/linear weights zeroed after the last
            step, in ``(0, 1)``.
        prune_at: Increasing epochs (0-based, < ``max_epochs``) at whose
            start a step runs. Defaults to ``(0, )``.

    Under DDP rank 0 zeroes the weights and the re-wrapped model copies
    them to every rank (see :class:`BasePruningHook`).

    Examples:
        >>> custom_hooks = [dict(type='UnstructuredPruningHook',
        ...                      amount=0.5, prune_at=[0])]
    """

    def __init__(self, amount: float, prune_at: Sequence[int] = (0, )) -> None:
        super().__init__(prune_at)
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) \
                or not 0.0 < amount < 1.0:
            raise ValueError('`amount` must be a float in (0, 1), got '
                             f'{amount!r}')
        self.amount = float(amount)
        self._masks: Dict[str, torch.Tensor] = {}

    # ----------------------------------------------- BasePruningHook's
    def _prepare(self, target: nn.Module) -> None:
        if self.steps_done:  # resumed: keep the checkpoint's zeros
            self._masks = zero_masks(target)

    def _step(self, runner, model: nn.Module, target: nn.Module,
              index: int) -> str:
        # magnitudes only: no batch needed
        amount = self.amount * (index + 1) / len(self.prune_at)
        sparsity = apply_unstructured_pruning(target, amount)
        self._masks = zero_masks(target)
        self.steps_done = index + 1
        return (f'unstructured pruning step {self.steps_done}/'
                f'{len(self.prune_at)}: {100 * sparsity:.1f}% of '
                'conv/linear weights are zero (no faster on dense kernels)')

    def _after_rewrap(self, target: nn.Module) -> None:
        self._masks = zero_masks(target)

    # -------------------------------------------------------------- hooks
    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Any = None,
                         outputs: Optional[dict] = None) -> None:
        """Keep the zeros at zero while fine-tuning."""
        if self._masks:
            apply_masks(self._unwrap(runner)[1], self._masks)
