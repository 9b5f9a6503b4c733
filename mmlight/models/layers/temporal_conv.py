"""Depthwise temporal convolution: the "1" of a (2+1)D factorisation."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmlight.utils.checks import check_positive_int

__all__ = ['DepthwiseTemporalConv']


class DepthwiseTemporalConv(nn.Module):
    """A per-channel ``k x 1 x 1`` convolution over time on 2D-batch features.

    Placed after the spatial (often depthwise) conv of a 2D block it makes
    the block a (2+1)D one. It is initialised as the identity (the centre
    tap, or the current-frame tap when causal, is 1, the rest 0), so a
    pretrained 2D network computes exactly what it did before training.

    The time axis is convolved with a ``(k, 1)`` depthwise ``Conv2d`` on
    ``(N, C, T, H*W)``: on CPU it is several times faster than a depthwise
    ``Conv3d``, and it stays a plain conv for quantisation and export.

    Args:
        channels: Channels ``C`` of the features.
        num_segments: Frames per clip ``T``. Defaults to 8.
        kernel_size: Temporal kernel ``k`` (odd unless causal).
            Defaults to 3.
        causal: Pad only the past, so frame ``t`` sees frames
            ``t - k + 1 .. t`` (online/streaming use). Defaults to False.

    Examples:
        >>> conv = DepthwiseTemporalConv(16, num_segments=4)
        >>> x = torch.randn(2 * 4, 16, 7, 7)
        >>> torch.equal(conv(x), x)  # identity at init
        True
    """

    def __init__(self,
                 channels: int,
                 num_segments: int = 8,
                 kernel_size: int = 3,
                 causal: bool = False) -> None:
        super().__init__()
        check_positive_int('channels', channels)
        check_positive_int('num_segments', num_segments)
        check_positive_int('kernel_size', kernel_size)
        if not causal and kernel_size % 2 == 0:
            raise ValueError('`kernel_size` must be odd for a centred '
                             f'(non-causal) temporal conv, got {kernel_size}')
        self.channels = channels
        self.num_segments = num_segments
        self.kernel_size = kernel_size
        self.causal = causal
        self.pad = (kernel_size - 1, 0) if causal else (kernel_size // 2, ) * 2
        self.conv = nn.Conv2d(
            channels,
            channels, (kernel_size, 1),
            groups=channels,
            bias=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Identity init: only the current-frame tap is 1."""
        with torch.no_grad():
            self.conv.weight.zero_()
            self.conv.weight[:, 0, self.pad[0], 0] = 1.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Convolve ``(N * T, C, H, W)`` features over T; same shape out."""
        nt, c, h, w = x.shape
        t = self.num_segments
        if nt % t != 0:
            raise ValueError(f'a batch of {nt} frames is not (N * T) with '
                             f'T=num_segments={t}')
        y = x.reshape(nt // t, t, c, h * w).transpose(1, 2)  # (N, C, T, HW)
        y = self.conv(F.pad(y, (0, 0) + self.pad))
        return y.transpose(1, 2).reshape(nt, c, h, w)

    def extra_repr(self) -> str:
        return (f'channels={self.channels}, num_segments={self.num_segments}'
                f', kernel_size={self.kernel_size}, causal={self.causal}')
