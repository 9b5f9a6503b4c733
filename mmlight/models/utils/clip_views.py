"""Derive a student's input from the teacher's clip (same decoded frames)."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

__all__ = ['uniform_frame_indices', 'student_view']


def uniform_frame_indices(total: int, num: int,
                          random: bool = False) -> torch.Tensor:
    """``num`` frame indices spread evenly over ``total`` frames.

    Each index is the centre of one of ``num`` equal segments (TSN's test
    sampling), e.g. ``total=16, num=8`` gives ``1, 3, ..., 15``; with
    ``random=True`` it is a random frame of each segment instead (TSN's
    training sampling, drawn from torch's global RNG).

    Raises:
        ValueError: If ``num`` is not in ``[1, total]``.
    """
    if not 1 <= num <= total:
        raise ValueError(f'cannot take {num} frames from a {total}-frame '
                         'teacher clip: the student needs 1..'
                         f'{total} frames')
    if not random:
        return ((torch.arange(num) + 0.5) * total / num).long()
    starts = (torch.arange(num) * total / num).long()
    ends = (torch.arange(1, num + 1) * total / num).long()
    offsets = (torch.rand(num) * (ends - starts)).long()
    return starts + offsets


def student_view(clip: torch.Tensor,
                 indices: Sequence[int],
                 input_format: str,
                 size: Optional[Tuple[int, int]] = None) -> torch.Tensor:
    """One sample's student input from the teacher's one.

    Args:
        clip: A teacher sample in MMAction2's NCTHW layout,
            ``(num_clips, C, T, H, W)``.
        indices: Frames (along ``T``) the student sees.
        input_format: The student preprocessor's ``format_shape``:
            ``'NCHW'`` (2D/TSM students) or ``'NCTHW'`` (3D students).
        size: Resize frames to ``(H, W)`` if given. Defaults to None.

    Returns:
        torch.Tensor: ``(num_clips * t, C, H, W)`` for NCHW, or
        ``(num_clips, C, t, H, W)`` for NCTHW, with ``t = len(indices)``.
    """
    if clip.dim() != 5:
        raise ValueError('the teacher sample must be (num_clips, C, T, H, W) '
                         f'(NCTHW pipeline), got {tuple(clip.shape)}')
    idx = torch.as_tensor(indices, device=clip.device)
    x = clip.index_select(2, idx)  # (M, C, t, H, W)
    if size is not None and tuple(x.shape[-2:]) != tuple(size):
        m, c, t, h, w = x.shape
        x = F.interpolate(
            x.float().transpose(1, 2).reshape(m * t, c, h, w),
            size=tuple(size), mode='bilinear', align_corners=False)
        x = x.reshape(m, t, c, *size).transpose(1, 2)
    if input_format == 'NCHW':
        return x.transpose(1, 2).flatten(0, 1)  # (M * t, C, H, W)
    if input_format == 'NCTHW':
        return x
    raise ValueError(f'student input format {input_format!r} is not '
                     "supported; use 'NCHW' or 'NCTHW'")
