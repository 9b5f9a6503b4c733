"""Hinton's knowledge distillation loss on class logits (2015)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmlight.registry import MODELS

__all__ = ['KDLoss']


@MODELS.register_module()
class KDLoss(nn.Module):
    """Temperature-scaled KL divergence from the teacher's soft targets.

    The classic objective of Hinton et al. is

    ``alpha * CE(s, y) + (1 - alpha) * T^2 * KL(softmax(t / T) ||
    softmax(s / T))``

    with student logits ``s``, teacher logits ``t``, labels ``y`` and
    temperature ``T``. This loss is the second term; the ``T^2`` factor keeps
    its gradients at the scale of the CE term whatever ``T`` is. Set
    ``alpha`` by giving this loss ``loss_weight=1 - alpha`` and the
    student's own classification loss the weight ``alpha`` (the distillation
    algorithm's ``student_loss_weight``). The teacher's logits are detached.

    Any of the student-teacher pairs of mmlight can use it: a 2D/TSM
    ``Recognizer2D`` student and a 3D ``Recognizer3D`` teacher both end in
    ``(N, K)`` clip logits.

    Args:
        tau: Temperature ``T``, > 0. Defaults to 4.0.
        loss_weight: Weight of the loss, ``1 - alpha``; >= 0.
            Defaults to 1.0.
        reduction: ``'batchmean'`` (sum over classes, mean over the batch:
            the true KL divergence per sample), ``'mean'`` (mean over all
            ``N * K`` elements) or ``'sum'``. Defaults to ``'batchmean'``.

    Examples:
        >>> loss = KDLoss(tau=4.0, loss_weight=0.5)
        >>> s, t = torch.randn(2, 5), torch.randn(2, 5)
        >>> loss(s, t).shape
        torch.Size([])
    """

    REDUCTIONS = ('batchmean', 'mean', 'sum')

    def __init__(self,
                 tau: float = 4.0,
                 loss_weight: float = 1.0,
                 reduction: str = 'batchmean') -> None:
        super().__init__()
        if isinstance(tau, bool) or not isinstance(tau, (int, float)) \
                or not math.isfinite(tau) or tau <= 0:
            raise ValueError(f'`tau` must be a finite number > 0, got {tau!r}')
        if isinstance(loss_weight, bool) \
                or not isinstance(loss_weight, (int, float)) \
                or not math.isfinite(loss_weight) or loss_weight < 0:
            raise ValueError('`loss_weight` must be a finite number >= 0, '
                             f'got {loss_weight!r}')
        if reduction not in self.REDUCTIONS:
            raise ValueError(f'`reduction` must be one of {self.REDUCTIONS}, '
                             f'got {reduction!r}')
        self.tau = float(tau)
        self.loss_weight = float(loss_weight)
        self.reduction = reduction

    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the distillation loss.

        Args:
            preds_S: Student logits, shape ``(N, K)``.
            preds_T: Teacher logits, shape ``(N, K)``; detached.

        Returns:
            torch.Tensor: The weighted loss, a scalar.
        """
        if preds_S.dim() != 2 or preds_S.shape != preds_T.shape:
            raise ValueError('KDLoss expects student and teacher logits of '
                             'the same shape (N, K), got '
                             f'{tuple(preds_S.shape)} and '
                             f'{tuple(preds_T.shape)}')
        target = F.softmax(preds_T.detach() / self.tau, dim=1)
        log_pred = F.log_softmax(preds_S / self.tau, dim=1)
        # Summed here and divided below: torch announces that kl_div's own
        # 'mean' will change meaning to 'batchmean'.
        loss = F.kl_div(log_pred, target, reduction='sum')
        if self.reduction == 'batchmean':
            loss = loss / preds_S.shape[0]
        elif self.reduction == 'mean':
            loss = loss / preds_S.numel()
        return self.loss_weight * self.tau**2 * loss
