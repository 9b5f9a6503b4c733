"""Temporal shift (TSM, Lin et al. 2019): temporal modelling at zero FLOPs."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmlight.utils.checks import check_positive_int

__all__ = ['TemporalShift', 'set_streaming', 'temporal_shift']


def temporal_shift(x: torch.Tensor,
                   num_segments: int,
                   shift_div: int = 8,
                   causal: bool = False) -> torch.Tensor:
    """Move a fraction of the channels one frame along time.

    Bidirectional (offline) shift: channels ``[0, C/d)`` of frame ``t`` come
    from frame ``t + 1`` and channels ``[C/d, 2C/d)`` from frame ``t - 1``.
    Causal (online) shift: channels ``[0, C/d)`` come from frame ``t - 1``
    only, so frame ``t`` never sees the future and a stream can be processed
    frame by frame. Frames shifted in from outside the clip are zeros.

    Args:
        x: Features of shape ``(N * T, C, H, W)``, frames of a clip
            consecutive.
        num_segments: Frames per clip ``T``.
        shift_div: Shift ``C // shift_div`` channels per direction.
            Defaults to 8.
        causal: Shift from the past only. Defaults to False.

    Returns:
        torch.Tensor: Shifted features, shape ``(N * T, C, H, W)``.
    """
    nt, c, h, w = x.shape
    if nt % num_segments != 0:
        raise ValueError(f'a batch of {nt} frames is not (N * T) with '
                         f'T=num_segments={num_segments}')
    fold = c // shift_div
    if fold == 0:
        return x
    if x.dim() == 4 and c > 1 and x.is_contiguous(
            memory_format=torch.channels_last):
        # Channels-last features shift as (N, T, HW, C) views, so the
        # layout survives (an NCHW reshape would copy twice).
        y = x.permute(0, 2, 3, 1).reshape(nt // num_segments, num_segments,
                                          h * w, c)
        out = _shift(y, fold, causal, dim=3)
        return out.reshape(nt, h, w, c).permute(0, 3, 1, 2)
    y = x.reshape(nt // num_segments, num_segments, c, h * w)
    return _shift(y, fold, causal, dim=2).reshape(nt, c, h, w)


def _shift(x: torch.Tensor, fold: int, causal: bool,
           dim: int) -> torch.Tensor:
    """The shift of ``x`` ``(N, T, ...)`` with channels on ``dim`` (2 or 3).

    Slicing, ``F.pad`` along time and ``torch.cat`` keep it export-friendly
    (no in-place writes into a zero buffer).
    """
    def channels(start: int, stop: Optional[int]) -> tuple:
        index = [slice(None)] * x.dim()
        index[dim] = slice(start, stop)
        return tuple(index)

    # F.pad pads from the last dim backwards; time is dim 1 of 4
    before, after = [0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 1]
    if causal:
        past = F.pad(x[:, :-1][channels(0, fold)], before)
        return torch.cat([past, x[channels(fold, None)]], dim=dim)
    future = F.pad(x[:, 1:][channels(0, fold)], after)
    past = F.pad(x[:, :-1][channels(fold, 2 * fold)], before)
    return torch.cat([future, past, x[channels(2 * fold, None)]], dim=dim)


class TemporalShift(nn.Module):
    """Module form of :func:`temporal_shift`, with no parameters.

    A causal shift can also run on a stream, one frame at a time
    (:func:`set_streaming`): it then keeps the shifted channels of the
    previous frame and hands them to the next, so frame ``t`` gets exactly
    what the offline causal shift gives it within a clip that started with
    the stream.

    Args:
        num_segments: Frames per clip ``T``; the batch must be ``N * T``.
            Defaults to 8.
        shift_div: Shift ``C // shift_div`` channels per direction.
            Defaults to 8.
        causal: Shift from the past only (online TSM). Defaults to False.

    Examples:
        >>> shift = TemporalShift(num_segments=4, shift_div=4)
        >>> shift(torch.randn(2 * 4, 16, 7, 7)).shape
        torch.Size([8, 16, 7, 7])
    """

    def __init__(self,
                 num_segments: int = 8,
                 shift_div: int = 8,
                 causal: bool = False) -> None:
        super().__init__()
        self.num_segments = check_positive_int('num_segments', num_segments)
        # >= 2: at most half of the channels move
        self.shift_div = check_positive_int('shift_div', shift_div, 2)
        self.causal = causal
        self.streaming = False
        self._previous: Optional[torch.Tensor] = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Shift ``(N * T, C, H, W)`` features; returns the same shape.

        Streaming: ``(N, C, H, W)``, the next frame of each of ``N``
        streams.
        """
        if self.streaming:
            return self._stream(x)
        return temporal_shift(x, self.num_segments, self.shift_div,
                              self.causal)

    def _stream(self, x: torch.Tensor) -> torch.Tensor:
        fold = x.shape[1] // self.shift_div
        if fold == 0:
            return x
        previous = self._previous
        if previous is None or previous.shape != x[:, :fold].shape:
            previous = torch.zeros_like(x[:, :fold])  # the stream starts
        self._previous = x[:, :fold].detach()
        return torch.cat([previous, x[:, fold:]], dim=1)

    def reset_stream(self) -> None:
        """Forget the previous frame (a new stream starts)."""
        self._previous = None

    def extra_repr(self) -> str:
        return (f'num_segments={self.num_segments}, '
                f'shift_div={self.shift_div}, causal={self.causal}')


def set_streaming(model: nn.Module, enabled: bool = True) -> int:
    """Switch every :class:`TemporalShift` of a model to (or from) frame by
    frame streaming, with a fresh state.

    Args:
        model (nn.Module): A model with causal temporal shifts (online
            TSM, ``temporal_cfg=dict(type='shift', causal=True)``).
        enabled (bool): Stream, or back to clips. Defaults to True.

    Returns:
        int: The number of shift layers switched.

    Raises:
        ValueError: A bidirectional shift (it needs the next frame), a
            temporal convolution, or no shift at all.
    """
    from .temporal_conv import DepthwiseTemporalConv
    shifts = [m for m in model.modules() if isinstance(m, TemporalShift)]
    if not shifts:
        raise ValueError('the model has no TemporalShift to stream')
    if enabled and any(isinstance(m, DepthwiseTemporalConv)
                       for m in model.modules()):
        raise ValueError('streaming supports temporal shifts only; the '
                         'model has temporal convolutions')
    if enabled and not all(m.causal for m in shifts):
        raise ValueError('streaming needs a causal (online) temporal shift: '
                         'a bidirectional one takes channels from the next '
                         'frame; train with temporal_cfg=dict(type=\'shift\', '
                         'causal=True)')
    for m in shifts:
        m.streaming = enabled
        m.reset_stream()
    return len(shifts)
