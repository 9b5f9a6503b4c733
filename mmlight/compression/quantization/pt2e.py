"""INT8 quantization of a video recognizer's backbone with PT2E.

``torch.ao.quantization``'s eager and FX graph-mode flows are deprecated;
their successor is PT2E: ``torch.export`` captures an ATen graph, a
backend-specific *quantizer* annotates it, and torchao's
``prepare_pt2e`` / ``prepare_qat_pt2e`` insert observers (fake quantizers for
QAT), calibration (or training) runs real data through them, and
``convert_pt2e`` folds the weights to int8 and leaves
quantize/dequantize (q/dq) pairs around every quantized op.

The quantizer here is torchao's ``X86InductorQuantizer``: int8 weights,
symmetric and per output channel; uint8 activations, affine and per tensor
(histogram observers for PTQ), in 7 bits (0-127, ``reduce_range``) unless
the config says otherwise. x86 CPUs without VNNI (AVX2, and AVX-512 before
Cascade Lake) multiply uint8 by int8 with ``vpmaddubsw``, which adds two
products in 16 bits and saturates: with 8-bit activations the compiled
program of a MobileNetV3-Small TSM student was 46% (relative L2) away from
its own reference q/dq graph on such a CPU, with 7 bits it cannot
saturate. A program runs where it is loaded, not where it was made, so 7
bits is the default; ``reduce_range=False`` gives the extra bit to
VNNI-only deployments. What the converted graph runs depends on how it is
run:

* **eager** (plain ``graph_module(x)``): reference q/dq ops around FP32
  convs. It gives the INT8 model's accuracy exactly, but it is *slower*
  than FP32 (every activation is quantized and dequantized again).
* **torch.compile** (inductor, with ``torch._inductor.config.freezing =
  True``): inductor matches the q/dq patterns and lowers them to oneDNN
  int8 convolutions (VNNI / AMX on recent x86 CPUs). Only then is the model
  faster.

The simplest mode, :func:`quantize_dynamic_linear`, is the old
``torch.ao.quantization.quantize_dynamic`` over ``nn.Linear``: weights int8,
activations quantized on the fly. It touches Linear layers only, so on a
conv net such as MobileNetV3 it changes almost nothing (the classifier's
``fc_cls``; the squeeze-excitation "fc" layers are 1x1 convs).

The pieces live in three more modules and are all importable from here:
:mod:`~mmlight.compression.quantization.exported` (export with a dynamic
number of clips, TSM-safe; the module that puts a graph in place of the
backbone), :mod:`~mmlight.compression.quantization.serialization` (small ``.pt2``
files with int8 weights) and :mod:`~mmlight.compression.quantization.qat_batchnorm`
(a torchao workaround for QAT).
"""
import itertools
import time
from typing import Any, Dict, Iterable, Optional

import torch
import torch.nn as nn
from torch.fx import GraphModule

from mmlight.compression.quantization.exported import (ClipClassifier, ExportedBackbone,
                                check_recognizer, export_backbone)
from mmlight.compression.quantization.qat_batchnorm import (BN_LITERALS, conv_bn_patterns_in,
                            fold_with_exported_eps, record_bn_literals,
                            restore_bn_literals)
from mmlight.compression.quantization.serialization import (load_quantized, save_quantized,
                           save_quantized_recognizer, serialized_size)

__all__ = [
    'ClipClassifier', 'ExportedBackbone', 'build_quantizer', 'calibrate',
    'check_recognizer', 'convert', 'export_backbone', 'load_quantized',
    'prepare_ptq', 'quantize_dynamic_linear', 'quantize_recognizer_static',
    'save_quantized',
    'save_quantized_recognizer', 'serialized_size'
]

_QUANTIZER_KEYS = ('type', 'is_dynamic', 'reduce_range')
_QUANTIZER_TYPES = ('x86_inductor', )


def build_quantizer(quantizer_cfg: Optional[dict] = None,
                    is_qat: bool = False) -> Any:
    """torchao's X86 inductor quantizer from a config dict.

    Args:
        quantizer_cfg: ``type`` (only ``'x86_inductor'``), ``is_dynamic``
            (activations quantized per batch at run time; default False)
            and ``reduce_range`` (7-bit activations, so that CPUs without
            VNNI cannot saturate; default True, see the module docstring).
            None gives the defaults. Defaults to None.
        is_qat: Fake quantizers for QAT instead of observers. Defaults to
            False.

    Returns:
        X86InductorQuantizer: Configured for every op it supports.
    """
    from torchao.quantization.pt2e.quantizer.x86_inductor_quantizer import (
        X86InductorQuantizer, get_default_x86_inductor_quantization_config)
    cfg = dict(quantizer_cfg or {})
    unknown = sorted(set(cfg) - set(_QUANTIZER_KEYS))
    if unknown:
        raise ValueError(f'`quantizer_cfg`: unknown keys {unknown}; allowed: '
                         f'{list(_QUANTIZER_KEYS)}')
    kind = cfg.pop('type', 'x86_inductor')
    if kind not in _QUANTIZER_TYPES:
        raise ValueError(f'`quantizer_cfg.type` must be one of '
                         f'{list(_QUANTIZER_TYPES)}, got {kind!r}')
    cfg.setdefault('reduce_range', True)
    quantizer = X86InductorQuantizer()
    quantizer.set_global(
        get_default_x86_inductor_quantization_config(is_qat=is_qat, **cfg))
    return quantizer


def prepare_ptq(graph_module: GraphModule,
                quantizer_cfg: Optional[dict] = None,
                is_qat: bool = False) -> GraphModule:
    """Insert observers (PTQ) or fake quantizers (QAT) into an exported
    graph.

    Args:
        graph_module: From :func:`export_backbone`, exported in eval mode
            for PTQ and in train mode for QAT.
        quantizer_cfg: See :func:`build_quantizer`. Defaults to None.
        is_qat: QAT (``prepare_qat_pt2e``). Defaults to False.

    Returns:
        GraphModule: The prepared graph (BatchNorm folded into the convs).
    """
    from torchao.quantization.pt2e.quantize_pt2e import (prepare_pt2e,
                                                         prepare_qat_pt2e)
    if not isinstance(graph_module, GraphModule):
        raise TypeError('`graph_module` must be an exported GraphModule, '
                        f'got {type(graph_module).__name__}')
    quantizer = build_quantizer(quantizer_cfg, is_qat)
    if not is_qat:
        return prepare_pt2e(graph_module, quantizer)
    literals = record_bn_literals(graph_module)
    with conv_bn_patterns_in(graph_module):
        prepared = prepare_qat_pt2e(graph_module, quantizer)
    prepared.meta[BN_LITERALS] = literals
    restore_bn_literals(prepared)
    return prepared


@torch.no_grad()
def calibrate(prepared: nn.Module,
              batches: Iterable[torch.Tensor],
              max_batches: Optional[int] = None) -> int:
    """Run batches through a prepared graph so its observers see them.

    Args:
        prepared: From :func:`prepare_ptq`.
        batches: Inputs of the graph, e.g. ``(N * T, C, H, W)`` frames.
        max_batches: Stop after this many. Defaults to None (all).

    Returns:
        int: The number of batches run.

    Raises:
        ValueError: ``batches`` was empty or ``max_batches`` < 1.
    """
    if max_batches is not None and (isinstance(max_batches, bool)
                                    or not isinstance(max_batches, int)
                                    or max_batches < 1):
        raise ValueError(f'`max_batches` must be None or an int >= 1, got '
                         f'{max_batches!r}')
    count = 0
    for batch in batches:
        if max_batches is not None and count >= max_batches:
            break
        prepared(batch)
        count += 1
    if not count:
        raise ValueError('`batches` gave no batch to calibrate on')
    return count


def _drop_unused_attrs(graph_module: GraphModule) -> None:
    """Delete parameters and buffers no ``get_attr`` node reads.

    ``convert_pt2e`` keeps the FP32 weights it folded into int8 constants;
    left in place they would be saved too.
    """
    used = {n.target for n in graph_module.graph.nodes if n.op == 'get_attr'}
    names = [n for n, _ in graph_module.named_parameters()]
    names += [n for n, _ in graph_module.named_buffers()]
    for name in names:
        if name not in used:
            owner, _, attr = name.rpartition('.')
            delattr(graph_module.get_submodule(owner), attr)


def convert(prepared: GraphModule) -> GraphModule:
    """Fold a calibrated (or QAT-trained) graph to int8.

    A QAT graph is moved to eval first. The FP32 weights the int8
    constants replace are dropped.

    Args:
        prepared: From :func:`prepare_ptq` after :func:`calibrate` or QAT.

    Returns:
        GraphModule: Int8 weights (``torch.int8``, per channel) and q/dq
        ops around every quantized op.
    """
    from torchao.quantization.pt2e import move_exported_model_to_eval
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e
    if not isinstance(prepared, GraphModule):
        raise TypeError('`prepared` must be a prepared GraphModule, got '
                        f'{type(prepared).__name__}')
    if prepared.meta.get(BN_LITERALS):  # a QAT graph
        move_exported_model_to_eval(prepared)
        restore_bn_literals(prepared)
        fold_with_exported_eps(prepared)
    with conv_bn_patterns_in(prepared):
        converted = convert_pt2e(prepared)
    _drop_unused_attrs(converted)
    return converted


@torch.no_grad()
def quantize_recognizer_static(recognizer: nn.Module,
                               batches: Iterable[torch.Tensor],
                               max_batches: Optional[int] = None,
                               quantizer_cfg: Optional[dict] = None
                               ) -> Dict[str, float]:
    """Post-training static INT8 quantization of a recognizer's backbone,
    in place.

    The backbone is exported on the first batch (:func:`export_backbone`,
    eval mode), observers are inserted (:func:`prepare_ptq`), every batch
    runs through them (:func:`calibrate`), and the converted graph replaces
    the backbone as an :class:`ExportedBackbone`. The head stays FP32.

    Args:
        recognizer: A ``Recognizer2D`` on the CPU (see
            :func:`check_recognizer`), weights loaded.
        batches: Calibration inputs as the recognizer gets them after its
            data preprocessor, ``(N, S, C, H, W)``: real clips, not the
            test split.
        max_batches: Calibrate on at most this many. Defaults to None (all).
        quantizer_cfg: See :func:`build_quantizer`. Defaults to None.

    Returns:
        dict: ``export_s``, ``calibrate_s``, ``convert_s`` (seconds) and
        ``calibrate_steps`` (batches seen).

    Raises:
        ValueError: ``batches`` is empty.
    """
    num_segments = check_recognizer(recognizer)
    if max_batches is not None and (isinstance(max_batches, bool)
                                    or not isinstance(max_batches, int)
                                    or max_batches < 1):
        raise ValueError(f'`max_batches` must be None or an int >= 1, got '
                         f'{max_batches!r}')
    recognizer.eval()
    batches = iter(batches)
    first = next(batches, None)
    if first is None:
        raise ValueError('`batches` gave no batch to calibrate on')

    def frames() -> Iterable[torch.Tensor]:
        # islice: no batch is read (decoded) beyond the last one used
        for batch in itertools.islice(
                itertools.chain([first], batches), max_batches):
            batch = torch.as_tensor(batch)
            yield batch.reshape((-1, ) + tuple(batch.shape[2:]))

    start = time.perf_counter()
    prepared = prepare_ptq(
        export_backbone(recognizer, torch.as_tensor(first)), quantizer_cfg)
    exported = time.perf_counter()
    steps = calibrate(prepared, frames())
    calibrated = time.perf_counter()
    recognizer.backbone = ExportedBackbone(convert(prepared), num_segments)
    return dict(export_s=exported - start, calibrate_s=calibrated - exported,
                convert_s=time.perf_counter() - calibrated,
                calibrate_steps=steps)


def quantize_dynamic_linear(model: nn.Module,
                            inplace: bool = False) -> nn.Module:
    """Dynamic int8 quantization of every ``nn.Linear`` (weights int8,
    activations quantized per batch at run time).

    Conv layers are left in FP32: on a conv net this changes the classifier
    only. It uses the deprecated ``torch.ao.quantization.quantize_dynamic``
    because PT2E has no drop-in equivalent for eager modules.

    Args:
        model: Any module; it should be in eval mode.
        inplace: Modify ``model`` instead of a copy. Defaults to False.

    Returns:
        nn.Module: The model with ``DynamicQuantizedLinear`` layers.
    """
    from torch.ao.quantization import quantize_dynamic
    if not isinstance(model, nn.Module):
        raise TypeError(f'`model` must be an nn.Module, got '
                        f'{type(model).__name__}')
    return quantize_dynamic(
        model, {nn.Linear}, dtype=torch.qint8, inplace=inplace)
