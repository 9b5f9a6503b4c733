"""Convolution gradients for the CPU cases oneDNN's AVX2 build is slow at.

PyTorch's CPU convolutions are oneDNN's. On processors without AVX-512
two kinds of layer in the light networks' training steps are far slower
than their forward:

* the weight gradient of 5x5 or strided **depthwise** convolutions has no
  direct kernel and falls back to one small GEMM per channel: in a
  MobileNetV3-Small training step at 8 x 48 x 64 these few layers took 110
  of 290 ms (a ``(64, 576, 2, 2)`` 5x5 layer 21 ms against 0.6 ms for its
  forward). The weight gradient of a depthwise convolution is, per kernel
  tap, a product of the shifted input with the output gradient summed over
  batch and space: with channels last in memory that sum runs over
  contiguous channel vectors, 2-4 ms for the same layer
  (:func:`depthwise_weight_grad`);
* the backward of **dense convolutions on tiny maps** (ResNet-18's last
  stage at 48 x 64 input: 3x3, 512 channels on 2 x 2 maps) takes 5-6x its
  forward (142 ms against 25 for a batch of 64 frames): for so few output
  positions both gradients are better done as two plain GEMMs over the
  unfolded input (56 ms; :func:`gemm_conv2d_grads`). That stage took 0.4
  of a 1.05 s ResNet-18 TSM training step.

:class:`CPUConvGrads` routes the ``conv2d`` calls made under it that are
such layers through these gradients. It is a ``TorchFunctionMode``, so the
modules stay ``nn.Conv2d`` (state dicts, pruning and the quantizers, which
match module types, see the network they always saw), and the forward is
``F.conv2d`` itself.
"""
import math
from typing import Any, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

__all__ = ['CPUConvGrads', 'depthwise_weight_grad', 'gemm_conv2d_grads']


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


class _RoutedConv2dFunction(torch.autograd.Function):
    """``F.conv2d`` itself forward; subclasses give the backward."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor,
                bias: Optional[torch.Tensor], stride: Tuple[int, int],
                padding: Tuple[int, int], dilation: Tuple[int, int],
                groups: int) -> torch.Tensor:
        ctx.save_for_backward(x, weight)
        ctx.conv = (stride, padding, dilation)
        ctx.has_bias = bias is not None
        return F.conv2d(x, weight, bias, stride, padding, dilation, groups)


class _DepthwiseConv2dFunction(_RoutedConv2dFunction):
    """``F.conv2d`` with the input gradient from ATen and the weight
    gradient from :func:`depthwise_weight_grad`."""

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
        return grad_x, grad_w, grad_b, None, None, None, None


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


def gemm_conv2d_grads(x: torch.Tensor, weight: torch.Tensor,
                      grad_out: torch.Tensor, stride: Sequence[int],
                      padding: Sequence[int], dilation: Sequence[int],
                      need_input: bool = True, need_weight: bool = True
                      ) -> Tuple[Optional[torch.Tensor],
                                 Optional[torch.Tensor]]:
    """The input and weight gradients of a dense 2D convolution (one group,
    zero padding) as two GEMMs over the unfolded input.

    With ``L`` output positions a sample, ``K = C * kH * kW``:
    ``grad_w = grad_out (O, N*L) @ cols (N*L, K)`` and ``grad_x =
    fold(weight^T (K, O) @ grad_out (O, N*L))``. The unfolded input is
    ``N * L * K`` floats, so this pays where ``L`` is small.

    Args:
        x: The convolution's input, ``(N, C, H, W)``.
        weight: Its weight, ``(O, C, kH, kW)``.
        grad_out: The gradient of its output, ``(N, O, H', W')``.
        stride: ``(sH, sW)``.
        padding: ``(pH, pW)``.
        dilation: ``(dH, dW)``.
        need_input: Compute the input gradient. Defaults to True.
        need_weight: Compute the weight gradient. Defaults to True.

    Returns:
        tuple: ``grad_x`` ``(N, C, H, W)`` and ``grad_w`` ``(O, C, kH, kW)``
        (None where not asked for), what ``F.conv2d``'s backward gives.
    """
    n, _, h, w = x.shape
    o = weight.shape[0]
    kernel = tuple(weight.shape[-2:])
    # (O, N * L): the output gradient's rows are output channels
    g = grad_out.reshape(n, o, -1).transpose(0, 1).reshape(o, -1)
    grad_x = grad_w = None
    if need_weight:
        cols = F.unfold(x, kernel, dilation, padding, stride)  # (N, K, L)
        cols = cols.transpose(1, 2).reshape(g.shape[1], -1)    # (N*L, K)
        grad_w = (g @ cols).view_as(weight)
    if need_input:
        gcols = weight.reshape(o, -1).t() @ g                  # (K, N*L)
        gcols = gcols.view(gcols.shape[0], n, -1).transpose(0, 1)
        grad_x = F.fold(gcols, (h, w), kernel, dilation, padding, stride)
    return grad_x, grad_w


class _GemmConv2dFunction(_RoutedConv2dFunction):
    """``F.conv2d`` (one group) with both gradients from
    :func:`gemm_conv2d_grads`."""

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor) -> tuple:
        x, weight = ctx.saved_tensors
        grad_x, grad_w = gemm_conv2d_grads(
            x, weight, grad_out, *ctx.conv,
            need_input=ctx.needs_input_grad[0],
            need_weight=ctx.needs_input_grad[1])
        grad_b = None
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = grad_out.sum((0, 2, 3))
        return grad_x, grad_w, grad_b, None, None, None, None


def _output_positions(size: Sequence[int], kernel: Sequence[int],
                      stride: Sequence[int], padding: Sequence[int],
                      dilation: Sequence[int]) -> int:
    return math.prod((size[i] + 2 * padding[i] - dilation[i] *
                      (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(2))


class CPUConvGrads(TorchFunctionMode):
    """Within it, the ``conv2d`` calls that oneDNN's AVX2 build is slow to
    differentiate compute their gradients in mmlight's way; every other call
    runs as it is.

    Routed, where a gradient is needed (float32 CPU tensors, grad mode on,
    no autocast, integer stride/padding/dilation):

    * depthwise convolutions with a kernel of at least ``min_kernel`` or a
      stride: weight gradient by :func:`depthwise_weight_grad`, input
      gradient ATen's;
    * dense (one group) convolutions larger than 1x1 whose output has at
      most ``max_gemm_positions`` positions a sample: both gradients by
      :func:`gemm_conv2d_grads`.

    Args:
        min_kernel: Route depthwise kernels at least this large, and strided
            ones (oneDNN's AVX2 kernels cover 3x3 stride 1). Defaults to 5.
        max_gemm_positions: Route dense convolutions with at most this many
            output positions (``H' * W'``); 0 routes none. Defaults to 4
            (measured on 2 AVX2 cores, 64 frames: 3x3 512->512 on 2x2 maps
            56 against 142 ms, 256->512 stride 2 onto 2x2 20 against 40;
            on 3x4 maps 31 against 33, on 6x8 67 against 23).

    Attributes:
        routed: How many calls took the depthwise route.
        routed_gemm: How many calls took the GEMM route.

    Examples:
        >>> conv = nn.Conv2d(8, 8, 5, padding=2, groups=8)
        >>> with CPUConvGrads():
        ...     loss = conv(torch.randn(2, 8, 6, 6)).sum()
        >>> loss.backward()  # conv.weight.grad as ATen gives it
    """

    def __init__(self, min_kernel: int = 5,
                 max_gemm_positions: int = 4) -> None:
        super().__init__()
        self.min_kernel = min_kernel
        self.max_gemm_positions = max_gemm_positions
        self.routed = 0
        self.routed_gemm = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.conv2d:
            x, weight, bias, stride, padding, dilation, groups = _conv_args(
                args, kwargs)
            stride, padding, dilation = (_pair(stride), _pair(padding),
                                         _pair(dilation))
            if not (stride and padding and dilation and x.dim() == 4
                    and (x.requires_grad or weight.requires_grad)
                    and torch.is_grad_enabled()
                    and x.device.type == 'cpu'
                    and x.dtype == weight.dtype == torch.float32
                    and not torch.is_autocast_enabled('cpu')):
                return func(*args, **kwargs)
            kernel = weight.shape[-2:]
            if (groups > 1 and groups == x.shape[1]
                    and weight.shape[0] == groups and weight.shape[1] == 1
                    and weight.requires_grad
                    and (max(kernel) >= self.min_kernel or max(stride) > 1)):
                self.routed += 1
                return _DepthwiseConv2dFunction.apply(x, weight, bias, stride,
                                                      padding, dilation,
                                                      groups)
            if (groups == 1 and max(kernel) > 1
                    and _output_positions(x.shape[-2:], kernel, stride,
                                          padding, dilation)
                    <= self.max_gemm_positions):
                self.routed_gemm += 1
                return _GemmConv2dFunction.apply(x, weight, bias, stride,
                                                 padding, dilation, 1)
        return func(*args, **kwargs)
