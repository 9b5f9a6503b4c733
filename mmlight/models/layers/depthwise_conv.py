"""Depthwise convolutions whose weight gradient is computed channels-last.

oneDNN's AVX2 build (PyTorch's CPU convolutions on processors without
AVX-512) has no direct kernel for the weight gradient of 5x5 or strided
depthwise convolutions and falls back to one small GEMM per channel: in a
MobileNetV3-Small training step at 8 x 48 x 64 these few layers took 110 of
290 ms (a ``(64, 576, 2, 2)`` 5x5 layer 21 ms against 0.6 ms for its
forward). The weight gradient of a depthwise convolution is, per kernel
tap, a product of the shifted input with the output gradient summed over
batch and space: with channels last in memory that sum runs over
contiguous channel vectors, which takes 2-4 ms for the same layer.

:class:`DepthwiseWeightGrad` routes the depthwise ``conv2d`` calls made
under it through that gradient. It is a ``TorchFunctionMode``, so the
modules stay ``nn.Conv2d`` (state dicts, pruning and the quantizers, which
match module types, see the network they always saw).
"""
from typing import Any, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

__all__ = ['DepthwiseWeightGrad', 'depthwise_weight_grad']


def depthwise_weight_grad(x: torch.Tensor, grad_out: torch.Tensor,
                          kernel_size: Sequence[int],
                          stride: Sequence[int] = (1, 1),
                          padding: Sequence[int] = (0, 0),
                          dilation: Sequence[int] = (1, 1)) -> torch.Tensor:
    """The weight gradient of a depthwise 2D convolution (one channel a
    group, zero padding).

    Args:
        x: The convolution's input, ``(N, C, H, W)``, any memory format
            (channels-last needs no copy).
        grad_out: The gradient of its output, ``(N, C, H', W')``.
        kernel_size: ``(kH, kW)``.
        stride: ``(sH, sW)``. Defaults to (1, 1).
        padding: ``(pH, pW)``. Defaults to (0, 0).
        dilation: ``(dH, dW)``. Defaults to (1, 1).

    Returns:
        torch.Tensor: ``(C, 1, kH, kW)``, what ``F.conv2d(x, w,
        groups=C)``'s backward gives ``w``.
    """
    kh, kw = kernel_size
    oh, ow = grad_out.shape[-2:]
    # (N, H, W, C) views: the reductions below run over contiguous channels
    xl = F.pad(x.permute(0, 2, 3, 1),
               (0, 0, padding[1], padding[1], padding[0], padding[0]))
    gl = grad_out.permute(0, 2, 3, 1)
    taps = []
    for i in range(kh):
        for j in range(kw):
            h0, w0 = i * dilation[0], j * dilation[1]
            window = xl[:, h0:h0 + (oh - 1) * stride[0] + 1:stride[0],
                        w0:w0 + (ow - 1) * stride[1] + 1:stride[1]]
            taps.append((window * gl).sum((0, 1, 2)))
    return torch.stack(taps, 1).view(x.shape[1], 1, kh, kw)


class _DepthwiseConv2dFunction(torch.autograd.Function):
    """``F.conv2d`` with the input gradient from ATen and the weight
    gradient from :func:`depthwise_weight_grad`."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor,
                bias: Optional[torch.Tensor], stride: Tuple[int, int],
                padding: Tuple[int, int],
                dilation: Tuple[int, int]) -> torch.Tensor:
        ctx.save_for_backward(x, weight)
        ctx.conv = (stride, padding, dilation)
        ctx.has_bias = bias is not None
        return F.conv2d(x, weight, bias, stride, padding, dilation,
                        x.shape[1])

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor) -> tuple:
        x, weight = ctx.saved_tensors
        stride, padding, dilation = ctx.conv
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = torch.ops.aten.convolution_backward(
                grad_out, x, weight, None, stride, padding, dilation, False,
                [0, 0], x.shape[1], [True, False, False])[0]
        if ctx.needs_input_grad[1]:
            grad_w = depthwise_weight_grad(x, grad_out, weight.shape[-2:],
                                           stride, padding, dilation)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = grad_out.sum((0, 2, 3))
        return grad_x, grad_w, grad_b, None, None, None


def _pair(value: Any) -> Optional[Tuple[int, int]]:
    if isinstance(value, int):
        return (value, value)
    if isinstance(value, (tuple, list)) and len(value) == 2 \
            and all(isinstance(v, int) for v in value):
        return tuple(value)
    return None  # 'same' / 'valid' padding: left to ATen


def _conv_args(args: tuple, kwargs: dict) -> tuple:
    names = ('input', 'weight', 'bias', 'stride', 'padding', 'dilation',
             'groups')
    defaults = (None, None, None, 1, 0, 1, 1)
    values = dict(zip(names, defaults))
    values.update(zip(names, args))
    values.update(kwargs)
    return tuple(values[n] for n in names)


class DepthwiseWeightGrad(TorchFunctionMode):
    """Within it, depthwise ``conv2d`` calls of 5x5 (or larger) or strided
    kernels that need a weight gradient compute it with
    :func:`depthwise_weight_grad`; every other call runs as it is.

    Only float32 CPU convolutions outside autocast are routed; the forward
    is ``F.conv2d`` itself, so outputs and input gradients are ATen's.

    Args:
        min_kernel: Route kernels at least this large, and strided ones
            (oneDNN's AVX2 kernels cover 3x3 stride 1). Defaults to 5.

    Examples:
        >>> conv = nn.Conv2d(8, 8, 5, padding=2, groups=8)
        >>> with DepthwiseWeightGrad():
        ...     loss = conv(torch.randn(2, 8, 6, 6)).sum()
        >>> loss.backward()  # conv.weight.grad as ATen gives it
    """

    def __init__(self, min_kernel: int = 5) -> None:
        super().__init__()
        self.min_kernel = min_kernel
        self.routed = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.conv2d:
            x, weight, bias, stride, padding, dilation, groups = _conv_args(
                args, kwargs)
            stride, padding, dilation = (_pair(stride), _pair(padding),
                                         _pair(dilation))
            if (stride and padding and dilation and x.dim() == 4
                    and groups > 1 and groups == x.shape[1]
                    and weight.shape[0] == groups and weight.shape[1] == 1
                    and weight.requires_grad and torch.is_grad_enabled()
                    and x.device.type == 'cpu'
                    and x.dtype == weight.dtype == torch.float32
                    and not torch.is_autocast_enabled('cpu')
                    and (max(weight.shape[-2:]) >= self.min_kernel
                         or max(stride) > 1)):
                self.routed += 1
                return _DepthwiseConv2dFunction.apply(x, weight, bias, stride,
                                                      padding, dilation)
        return func(*args, **kwargs)
