"""Feature distillation between video backbones of different resolutions."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmlight.registry import MODELS

__all__ = ['VideoFeatureLoss']


@MODELS.register_module()
class VideoFeatureLoss(nn.Module):
    """Mean squared error between student and teacher video features.

    A 2D/TSM student and a 3D teacher rarely agree on the feature grid: the
    student may see 8 frames at ``2 x 2`` and the teacher 16 frames at
    ``3 x 4``. Both are adaptive-average-pooled to a common ``(T, H, W)``
    (the elementwise minimum of the two, or ``output_size``), each
    position's channel vector is optionally L2-normalised, and the squared
    error is averaged over all elements. Channels must already agree: map
    the student's with a connector first
    (:class:`~mmlight.models.connectors.VideoFeatureConnector`). The
    teacher's features are detached.

    Args:
        loss_weight: Weight of the loss, >= 0. Defaults to 1.0.
        output_size: Common ``(T, H, W)`` to pool both features to; None
            takes the elementwise minimum of the two shapes.
            Defaults to None.
        normalize: L2-normalise the channel vector of every ``(t, h, w)``
            position before comparing, so the loss matches directions, not
            magnitudes (the two backbones' scales differ). Defaults to True.

    Examples:
        >>> loss = VideoFeatureLoss()
        >>> s = torch.randn(2, 16, 8, 2, 2)
        >>> t = torch.randn(2, 16, 16, 3, 4)
        >>> loss(s, t).shape
        torch.Size([])
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 output_size: Optional[Tuple[int, int, int]] = None,
                 normalize: bool = True) -> None:
        super().__init__()
        if isinstance(loss_weight, bool) \
                or not isinstance(loss_weight, (int, float)) \
                or loss_weight < 0:
            raise ValueError('`loss_weight` must be a number >= 0, got '
                             f'{loss_weight!r}')
        if output_size is not None:
            if not isinstance(output_size, (tuple, list)) \
                    or len(output_size) != 3 or any(
                        isinstance(v, bool) or not isinstance(v, int)
                        or v < 1 for v in output_size):
                raise ValueError('`output_size` must be None or a (T, H, W) '
                                 'tuple of three ints >= 1, got '
                                 f'{output_size!r}')
            output_size = tuple(output_size)
        self.loss_weight = float(loss_weight)
        self.output_size = output_size
        self.normalize = bool(normalize)

    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the feature loss.

        Args:
            preds_S: Student features, shape ``(N, C, T_s, H_s, W_s)``.
            preds_T: Teacher features, shape ``(N, C, T_t, H_t, W_t)``;
                detached.

        Returns:
            torch.Tensor: The weighted loss, a scalar.

        Raises:
            ValueError: If either input is not 5D, or ``N`` or ``C`` differ.
        """
        s_shape, t_shape = tuple(preds_S.shape), tuple(preds_T.shape)
        if preds_S.dim() != 5 or preds_T.dim() != 5:
            raise ValueError('VideoFeatureLoss expects student and teacher '
                             'features of shape (N, C, T, H, W), got '
                             f'{s_shape} and {t_shape}; bring 2D (N * T, C, '
                             'H, W) features to 5D with a connector')
        if s_shape[:2] != t_shape[:2]:
            raise ValueError('student and teacher features must agree in N '
                             f'and C, got {s_shape} and {t_shape}; map the '
                             'student channels with a connector')
        size = self.output_size or tuple(
            min(s, t) for s, t in zip(s_shape[2:], t_shape[2:]))
        student = F.adaptive_avg_pool3d(preds_S, size)
        teacher = F.adaptive_avg_pool3d(preds_T.detach(), size)
        if self.normalize:
            student = F.normalize(student, dim=1)
            teacher = F.normalize(teacher, dim=1)
        return self.loss_weight * F.mse_loss(student, teacher)
