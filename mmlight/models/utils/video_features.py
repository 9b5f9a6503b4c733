"""Input layout shared by the heads: 2D-backbone or 3D-backbone features."""
from typing import Optional

import torch

__all__ = ['to_video_features']


def to_video_features(x: torch.Tensor,
                      num_segs: Optional[int] = None) -> torch.Tensor:
    """Bring backbone features to the ``(N, C, T, H, W)`` layout.

    Args:
        x: ``(N * T, C, H, W)`` features of a 2D backbone, with
            ``num_segs=T`` (as ``Recognizer2D`` passes it), or
            ``(N, C, T, H, W)`` features of a 3D backbone.
        num_segs: Frames per clip ``T`` of 4D input; ignored for 5D input.
            Defaults to None.

    Returns:
        torch.Tensor: Features of shape ``(N, C, T, H, W)``.

    Raises:
        ValueError: On any other rank, 4D input without ``num_segs``, or a
            batch that ``num_segs`` does not divide.
    """
    if not isinstance(x, torch.Tensor):
        raise ValueError('expected a feature tensor of shape (N * T, C, H, W)'
                         ' with num_segs=T, or (N, C, T, H, W); got '
                         f'{type(x).__name__}')
    if x.dim() == 5:
        return x
    if x.dim() != 4:
        raise ValueError('expected features of shape (N * T, C, H, W) with '
                         'num_segs=T, or (N, C, T, H, W); got shape '
                         f'{tuple(x.shape)}')
    if num_segs is None or num_segs < 1:
        raise ValueError('4D features (N * T, C, H, W) need num_segs=T >= 1 '
                         f'(got num_segs={num_segs}); pass (N, C, T, H, W) '
                         'features otherwise')
    if x.shape[0] % num_segs != 0:
        raise ValueError(f'features of shape {tuple(x.shape)} are not '
                         f'(N * T, C, H, W) with T=num_segs={num_segs}: '
                         f'{x.shape[0]} is not divisible by {num_segs}')
    nt, c, h, w = x.shape
    return x.reshape(nt // num_segs, num_segs, c, h, w).transpose(1, 2)
