"""Static INT8 quantization of an exported recognizer (ONNX Runtime, QDQ).

Static, not dynamic. Dynamic quantization (``quantize_dynamic``) turns a
conv into ``DynamicQuantizeLinear`` + ``ConvInteger`` + float rescaling,
with activation ranges computed at run time. Older ONNX Runtime releases
had no CPU kernel for the u8s8 ``ConvInteger`` it writes (``NOT_IMPLEMENTED``
at session creation, e.g. for a 3D slow_r50: microsoft/onnxruntime#12558,
#6430); ORT 1.31 runs it, but only after ``quant_pre_process`` (on the raw
dynamo export shape inference fails), and a small SlowOnly-R18 then ran ~3x
*slower* than FP32, with no fused fast path. Static quantization calibrates
the activation ranges on real clips once and writes the
QuantizeLinear/DequantizeLinear (QDQ) format, which ONNX Runtime's CPU
provider fuses into ``QLinearConv`` for 2D and 3D convs alike.

Defaults follow ONNX Runtime's guidance for x86 CPUs: ``QInt8`` weights
(per output channel, which depthwise convs need to keep their accuracy),
``QUInt8`` activations (U8S8 kernels: S8S8 activations ran 7-9x slower
than FP32 on an AVX512-VNNI CPU with ORT 1.31), MinMax calibration.
"""
import collections
import copy
import itertools
import os
import os.path as osp
import tempfile
from typing import (Any, Dict, Iterable, Iterator, List, Optional,
                    Sequence)

import numpy as np
from torch import nn

from mmlight.utils.config import ensure_default_scope
from mmlight.utils.progress import batch_progress, batches_to_take

__all__ = [
    'ArrayCalibrationReader', 'calibration_batches', 'quantize_onnx_static',
    'CALIBRATION_METHODS', 'QUANT_TYPES'
]

CALIBRATION_METHODS = ('MinMax', 'Percentile', 'Entropy')
QUANT_TYPES = ('QInt8', 'QUInt8')


class ArrayCalibrationReader:
    """An ONNX Runtime ``CalibrationDataReader`` over numpy batches.

    ONNX Runtime recognises it by its ``get_next`` method
    (``CalibrationDataReader.__subclasshook__``), so this module imports
    without onnxruntime.

    Args:
        batches (Iterable[np.ndarray]): Preprocessed inputs, each
            ``(N, num_segs, C, H, W)`` or ``(N, num_views, C, T, H, W)``;
            cast to float32. Read once, lazily.
        input_name (str): The graph input they feed. Defaults to
            ``'inputs'``.
        per_clip (bool): Hand out one clip at a time, ``(1, ...)``. ONNX
            Runtime's histogram calibrators (Percentile, Entropy; ORT 1.31)
            ``np.asarray`` the outputs of all batches and fail on a last
            batch of another size. Defaults to False.
    """

    def __init__(self, batches: Iterable[np.ndarray],
                 input_name: str = 'inputs',
                 per_clip: bool = False) -> None:
        self._batches = iter(batches)
        self._pending: List[np.ndarray] = []
        self.input_name = input_name
        self.per_clip = per_clip
        self.num_batches = 0

    def get_next(self) -> Optional[Dict[str, np.ndarray]]:
        """The next ``{input_name: batch}``, or None when exhausted."""
        if not self._pending:
            batch = next(self._batches, None)
            if batch is None:
                return None
            batch = np.asarray(batch, dtype=np.float32)
            self._pending = ([clip[None] for clip in batch]
                             if self.per_clip else [batch])
        self.num_batches += 1
        return {self.input_name: np.ascontiguousarray(self._pending.pop(0))}


def calibration_batches(cfg: Any, model: nn.Module, num_batches: int,
                        split: str = 'val',
                        progress: Optional[str] = None
                        ) -> Iterator[np.ndarray]:
    """Real preprocessed clips for calibration, batch by batch.

    Builds ``cfg.<split>_dataloader`` with
    :meth:`mmengine.runner.Runner.build_dataloader` (the config's test-time
    pipeline, batch size and workers) and runs each batch through
    ``model.data_preprocessor`` in test mode (normalisation, stacking), so
    the ranges are those the deployed model sees. A split with fewer than
    ``num_batches`` batches gives them all, with a logged warning that
    names both numbers and the dataloader.

    Args:
        cfg (Config | dict): A loaded config.
        model (nn.Module): A model whose ``data_preprocessor`` matches the
            exported graph's input (usually the exported recognizer).
        num_batches (int): Yield at most this many batches (>= 1).
        split (str): ``'val'``, ``'test'`` or ``'train'``. Defaults to
            ``'val'``, so that the test split stays unseen.
        progress (str, optional): Print progress lines under this name as
            the batches are read (:func:`~mmlight.utils.progress.
            batch_progress`), e.g. ``'calibration'``. Defaults to None
            (none).

    Returns:
        Iterator[np.ndarray]: Lazily, float32 inputs,
        ``(B, num_segs, C, H, W)`` for a Recognizer2D or
        ``(B, num_views, C, T, H, W)`` for a Recognizer3D.

    Raises:
        ValueError: ``num_batches`` < 1, or the config has no such
            dataloader.
    """
    if not isinstance(num_batches, int) or num_batches < 1:
        raise ValueError(f'num_batches must be an int >= 1, got '
                         f'{num_batches!r}')
    loader_cfg = cfg.get(f'{split}_dataloader')
    if not loader_cfg:
        raise ValueError(f'split={split!r}: the config has no '
                         f'{split}_dataloader')
    from mmengine.runner import Runner

    ensure_default_scope(cfg)
    loader = Runner.build_dataloader(copy.deepcopy(loader_cfg))
    total = batches_to_take(loader, num_batches, 'calibration',
                            f'{split}_dataloader')
    batches = itertools.islice(loader, num_batches)
    if progress is not None:
        batches = batch_progress(batches, f'{progress} ({split}_dataloader)',
                                 total)
    return _preprocessed(batches, model.data_preprocessor)


def _preprocessed(loader: Iterable,
                  preprocessor: nn.Module) -> Iterator[np.ndarray]:
    import torch
    for data in loader:
        with torch.no_grad():
            inputs = preprocessor(data, False)['inputs']
        yield inputs.detach().cpu().numpy().astype(np.float32, copy=False)


def _enum(enum_cls: Any, value: str, allowed: Sequence[str],
          what: str) -> Any:
    if value not in allowed:
        raise ValueError(f'{what} must be one of {tuple(allowed)}, got '
                         f'{value!r}')
    return getattr(enum_cls, value)


def quantize_onnx_static(fp32_path: str,
                         int8_path: str,
                         calibration_inputs: Iterable[np.ndarray],
                         per_channel: bool = True,
                         activation_type: str = 'QUInt8',
                         weight_type: str = 'QInt8',
                         calibrate_method: str = 'MinMax',
                         reduce_range: bool = False,
                         preprocess: bool = True,
                         op_types_to_quantize: Optional[Sequence[str]] = None,
                         nodes_to_exclude: Optional[Sequence[str]] = None,
                         quantize_bias: bool = False,
                         quantize_output: bool = False,
                         compact_names: bool = True,
                         extra_options: Optional[Dict[str, Any]] = None
                         ) -> str:
    """Write a statically quantized INT8 (QDQ) copy of an FP32 ONNX model.

    First ``onnxruntime.quantization.shape_inference.quant_pre_process``
    (symbolic shape inference and graph optimisation, e.g. Conv+BN
    folding, into a temporary file), then
    ``onnxruntime.quantization.quantize_static`` with
    ``QuantFormat.QDQ``: ranges calibrated on ``calibration_inputs``,
    weights quantized to ``weight_type`` and activations to
    ``activation_type``; biases as ``quantize_bias`` says.

    Args:
        fp32_path (str): The FP32 model (:func:`export_onnx`).
        int8_path (str): Where the INT8 model goes.
        calibration_inputs (Iterable[np.ndarray]): Preprocessed inputs of
            the graph's first input, e.g. :func:`calibration_batches`; at
            least one batch. Real clips: random ones give ranges the
            deployed model never sees.
        per_channel (bool): One weight scale per output channel. Defaults
            to True.
        activation_type (str): ``'QUInt8'`` or ``'QInt8'``. Defaults to
            ``'QUInt8'``.
        weight_type (str): ``'QInt8'`` or ``'QUInt8'``. Defaults to
            ``'QInt8'``.
        calibrate_method (str): ``'MinMax'``, ``'Percentile'`` or
            ``'Entropy'`` (the latter two histogram the activations, slower
            and more memory). Defaults to ``'MinMax'``.
        reduce_range (bool): 7-bit weights, for x86 CPUs without VNNI.
            Defaults to False.
        preprocess (bool): Run ``quant_pre_process`` first. Defaults to
            True.
        op_types_to_quantize (Sequence[str], optional): Only these op
            types; None quantizes every op type ONNX Runtime can.
            Defaults to None.
        nodes_to_exclude (Sequence[str], optional): Node names kept in
            FP32 (names of the preprocessed graph). Defaults to None.
        quantize_bias (bool): Store biases as int32 behind a
            DequantizeLinear (ONNX Runtime's default). False keeps them
            float32 and ONNX Runtime's CPU provider quantizes them when it
            fuses ``QLinearConv``: the same outputs but for rare one-step
            differences of the output quantization (rounding), and an
            int32 zero point and a float scale less per output channel (~8%
            of a MobileNetV3-Small file). Set True for runtimes that need
            int32-bias QDQ (TensorRT, QNN). Defaults to False.
        quantize_output (bool): Keep the Quantize/DequantizeLinear pair
            ONNX Runtime puts on the graph outputs. By default it is
            removed, so the classifier writes float logits: quantized
            logits take one of 256 levels, and on the TSM student 5 of 210
            test clips then had tied top scores, which MMAction2's
            ``AccMetric`` (``argsort``) and ``argmax`` (the confusion
            matrix, ``--dump``) break differently. Defaults to False.
        compact_names (bool): Rename the internal tensors to short ids and
            drop node names (graph input and output names are kept): ~7%
            smaller, at the cost of names that point back to PyTorch
            modules. Defaults to True.
        extra_options (dict, optional): More of ``quantize_static``'s
            ``extra_options`` (e.g. ``{'CalibPercentile': 99.99}``); a
            ``QuantizeBias`` key here wins over ``quantize_bias``.
            Defaults to None.

    Returns:
        str: ``int8_path``.

    Raises:
        FileNotFoundError: ``fp32_path`` does not exist.
        ValueError: A bad option, or no calibration batch.
    """
    if not osp.isfile(fp32_path):
        raise FileNotFoundError(f'fp32_path: ONNX model not found: '
                                f'{fp32_path}')
    import onnx
    from onnxruntime.quantization import (CalibrationMethod, QuantFormat,
                                          QuantType, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process
    act = _enum(QuantType, activation_type, QUANT_TYPES, 'activation_type')
    weight = _enum(QuantType, weight_type, QUANT_TYPES, 'weight_type')
    method = _enum(CalibrationMethod, calibrate_method, CALIBRATION_METHODS,
                   'calibrate_method')
    input_name = onnx.load(fp32_path, load_external_data=False).graph.input[
        0].name
    batches = iter(calibration_inputs)
    first = next(batches, None)
    if first is None:
        raise ValueError('calibration_inputs gave no batch: static '
                         'quantization needs at least one')
    reader = ArrayCalibrationReader(
        itertools.chain([first], batches), input_name,
        per_clip=calibrate_method != 'MinMax')
    os.makedirs(osp.dirname(osp.abspath(int8_path)), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = fp32_path
        if preprocess:
            source = osp.join(tmp, 'preprocessed.onnx')
            quant_pre_process(fp32_path, source)
        quantize_static(
            source,
            int8_path,
            reader,
            quant_format=QuantFormat.QDQ,
            op_types_to_quantize=(list(op_types_to_quantize)
                                  if op_types_to_quantize else None),
            per_channel=per_channel,
            reduce_range=reduce_range,
            activation_type=act,
            weight_type=weight,
            nodes_to_exclude=(list(nodes_to_exclude)
                              if nodes_to_exclude else None),
            calibrate_method=method,
            extra_options={'QuantizeBias': quantize_bias,
                           **dict(extra_options or {})})
    if not quantize_output:
        _float_outputs(int8_path)
    if compact_names:
        _compact_names(int8_path)
    return int8_path


def _float_outputs(path: str) -> None:
    """Remove a QuantizeLinear -> DequantizeLinear pair before each graph
    output, so that the op before it writes the output in float."""
    import onnx
    proto = onnx.load(path)
    graph = proto.graph
    producer = {out: node for node in graph.node for out in node.output}
    consumers = collections.Counter(name for node in graph.node
                                    for name in node.input)
    outputs = {v.name for v in graph.output}
    changed = False
    for name in outputs:
        dq = producer.get(name)
        if dq is None or dq.op_type != 'DequantizeLinear':
            continue
        q = producer.get(dq.input[0])
        if q is None or q.op_type != 'QuantizeLinear' or consumers[
                q.output[0]] != 1:
            continue
        source = q.input[0]
        if source in outputs or source not in producer:
            continue
        # The op that fed Q now writes the graph output itself.
        node = producer[source]
        node.output[:] = [name if o == source else o for o in node.output]
        for other in graph.node:
            other.input[:] = [name if i == source else i
                              for i in other.input]
        graph.node.remove(q)
        graph.node.remove(dq)
        changed = True
    if changed:
        used = {i for node in graph.node for i in node.input}
        used |= {o for node in graph.node for o in node.output}
        for init in [t for t in graph.initializer if t.name not in used]:
            graph.initializer.remove(init)  # the pair's scale, zero point
        for info in [v for v in graph.value_info if v.name not in used]:
            graph.value_info.remove(info)
        onnx.save(proto, path)


def _compact_names(path: str) -> None:
    """Rename a graph's internal tensors ``t0, t1, ...``, blank node names.

    The graph's inputs and outputs keep their names. Graphs with subgraphs
    (If/Loop bodies may refer to outer names) are left as they are.
    """
    import onnx
    proto = onnx.load(path)
    graph = proto.graph
    if any(attr.type in (onnx.AttributeProto.GRAPH,
                         onnx.AttributeProto.GRAPHS)
           for node in graph.node for attr in node.attribute):
        return
    keep = {v.name for v in graph.input} | {v.name for v in graph.output}
    names: Dict[str, str] = {}

    def short(name: str) -> str:
        if not name or name in keep:  # '' is an omitted optional input
            return name
        return names.setdefault(name, f't{len(names)}')

    for tensor in graph.initializer:
        tensor.name = short(tensor.name)
    for node in graph.node:
        node.name = ''
        node.input[:] = [short(n) for n in node.input]
        node.output[:] = [short(n) for n in node.output]
    for info in graph.value_info:
        info.name = short(info.name)
    onnx.save(proto, path)
