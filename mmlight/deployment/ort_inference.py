"""Run exported recognizers with ONNX Runtime and evaluate them like
``tools/test.py``.

:class:`OrtRecognizer` is the ONNX counterpart of
:class:`~mmlight.measure.complexity.TensorForward`: preprocessed clips in,
logits out. :func:`evaluate_backends` feeds one pass over a config's test
dataloader to several such functions (PyTorch, FP32 ONNX, INT8 ONNX),
turns their logits into predictions with the head's own ``average_clip``
(as ``model.predict`` does) and scores each with the config's
``test_evaluator``: the metrics ``tools/test.py`` prints, plus labels and
logits to compare the backends with :func:`compare_outputs`.
"""
import copy
import itertools
import os.path as osp
from typing import Any, Callable, Dict, Mapping, Optional, Sequence

import numpy as np
import torch
from torch import nn

from mmlight.utils.progress import batch_progress, dataloader_length
from mmlight.deployment.recognizer import build_recognizer, model_input
from mmlight.utils.checkpoint_io import check_file
from mmlight.utils.config import ensure_default_scope
from mmlight.measure.runtime import time_calls

__all__ = [
    'OrtRecognizer', 'deployed_runner', 'evaluate_backends', 'evaluate_onnx',
    'compare_outputs', 'measure_latency', 'file_size_mb'
]

Backend = Callable[[np.ndarray], np.ndarray]


class OrtRecognizer:
    """An ONNX recognizer on ONNX Runtime's CPU provider.

    Args:
        path (str): The ``.onnx`` file (:func:`export_onnx` /
            :func:`quantize_onnx_static`).
        num_threads (int): ``intra_op_num_threads``; 0 lets ONNX Runtime
            choose (one per physical core). Defaults to 0.
        providers (Sequence[str], optional): Execution providers. Defaults
            to ``['CPUExecutionProvider']``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: ``num_threads`` < 0.

    Examples:
        >>> ort_model = OrtRecognizer('student.onnx', num_threads=2)
        >>> ort_model(np.zeros((1, 8, 3, 48, 64), np.float32)).shape
        (1, 7)
    """

    def __init__(self, path: str, num_threads: int = 0,
                 providers: Optional[Sequence[str]] = None) -> None:
        check_file(path, 'ONNX model')
        if not isinstance(num_threads, int) or num_threads < 0:
            raise ValueError(f'num_threads must be an int >= 0, got '
                             f'{num_threads!r}')
        import onnxruntime as ort
        options = ort.SessionOptions()
        options.intra_op_num_threads = num_threads
        options.inter_op_num_threads = 1
        self.path = str(path)
        self.session = ort.InferenceSession(
            self.path, options,
            providers=list(providers or ['CPUExecutionProvider']))
        self.input_name = self.session.get_inputs()[0].name
        self.output_name = self.session.get_outputs()[0].name
        # None for a dynamic dimension, e.g. [None, 8, 3, 48, 64].
        self.input_shape = [
            d if isinstance(d, int) else None
            for d in self.session.get_inputs()[0].shape
        ]

    def __call__(self, inputs: Any) -> np.ndarray:
        """Class logits of preprocessed clips.

        Args:
            inputs (np.ndarray | torch.Tensor): ``(N, num_segs, C, H, W)``
                for a 2D recognizer or ``(N, num_views, C, T, H, W)`` for a
                3D one; cast to float32.

        Returns:
            np.ndarray: Logits, ``(N, num_classes)`` (2D) or
            ``(N * num_views, num_classes)`` (3D).
        """
        inputs = model_input(inputs, self.input_shape, self.path)
        return self.session.run([self.output_name],
                                {self.input_name: inputs})[0]


def _average_clip(model: nn.Module, logits: np.ndarray,
                  batch_size: int) -> torch.Tensor:
    """The head's test-time averaging, as ``predict_by_feat`` runs it."""
    head = getattr(model, 'cls_head', None)
    if head is None or not hasattr(head, 'average_clip'):
        raise ValueError(f'{type(model).__name__} has no cls_head with '
                         'average_clip: not an MMAction2 recognizer')
    scores = torch.from_numpy(np.asarray(logits, dtype=np.float32))
    if scores.shape[0] % batch_size:
        raise ValueError(f'{scores.shape[0]} rows of scores for a batch of '
                         f'{batch_size} clips')
    return head.average_clip(scores, num_segs=scores.shape[0] // batch_size)


def evaluate_backends(cfg: Any,
                      backends: Mapping[str, Backend],
                      model: Optional[nn.Module] = None,
                      split: str = 'test',
                      dump: Optional[Mapping[str, str]] = None,
                      return_logits: bool = False,
                      max_batches: Optional[int] = None,
                      progress: Optional[str] = None
                      ) -> Dict[str, Dict[str, Any]]:
    """Evaluate several inference functions in one pass over a split.

    The config's ``<split>_dataloader`` is built with
    ``Runner.build_dataloader``; each batch goes through
    ``model.data_preprocessor`` (test mode) once, then through every
    backend. A backend's logits become ``pred_score`` by the head's
    ``average_clip`` (``'prob'``: softmax, mean over views) and
    ``pred_label`` by argmax, as in ``BaseHead.predict_by_feat``, and are
    fed to a fresh evaluator built from ``cfg.<split>_evaluator``. For a
    recognizer without ``test_cfg`` (``fcn_test``, ``max_testing_views``)
    this is what ``tools/test.py`` computes.

    Args:
        cfg (Config | dict): A loaded config.
        backends (Mapping[str, Callable]): Name to ``f(inputs) -> logits``
            (:class:`OrtRecognizer`,
            :func:`~mmlight.deployment.recognizer.torch_backend`).
        model (nn.Module, optional): The recognizer whose
            ``data_preprocessor`` and ``cls_head.average_clip`` are used;
            None builds ``cfg.model`` (initial weights suffice). Defaults
            to None.
        split (str): ``'test'`` or ``'val'``. Defaults to ``'test'``.
        dump (Mapping[str, str], optional): Backend name to a ``.pkl`` path;
            that backend's predictions are written there by MMEngine's
            ``DumpResults``, as ``tools/test.py --dump`` writes them
            (:func:`mmlight.evaluation.load_predictions` reads them).
            Defaults to None.
        return_logits (bool): Also return the raw logits. Defaults to False.
        max_batches (int, optional): Stop after this many batches (metrics
            then cover only those clips). Defaults to None (all).
        progress (str, optional): Print progress lines under this name as
            the batches come (:func:`~mmlight.utils.progress.
            batch_progress`), e.g. ``'verification'``. Defaults to None
            (none).

    Returns:
        dict[str, dict]: For each backend: ``metrics`` (the evaluator's
        dict, e.g. ``acc/top1``, ``acc/top5``, ``acc/mean1``,
        ``confusion_matrix/result``), ``gt_labels`` and ``pred_labels``
        (np.ndarray, (num_clips, )), ``pred_scores`` ((num_clips,
        num_classes) after ``average_clip``), and with ``return_logits``
        ``logits`` ((num_clips * num_views, num_classes)).

    Raises:
        ValueError: No backend, an unknown ``dump`` name or a non-``.pkl``
            dump path, or a config without the split's dataloader/evaluator.
    """
    if not backends:
        raise ValueError('backends: give at least one name -> function')
    dump = dict(dump or {})
    for name, path in dump.items():
        if name not in backends:
            raise ValueError(f'dump: {name!r} is not one of the backends '
                             f'{sorted(backends)}')
        if not str(path).endswith(('.pkl', '.pickle')):
            raise ValueError(f'dump: must be a .pkl file, got {path}')
    loader_cfg = cfg.get(f'{split}_dataloader')
    evaluator_cfg = cfg.get(f'{split}_evaluator')
    if not loader_cfg or not evaluator_cfg:
        raise ValueError(f'split={split!r}: the config needs '
                         f'{split}_dataloader and {split}_evaluator')
    from mmengine.evaluator import Evaluator
    from mmengine.runner import Runner
    ensure_default_scope(cfg)
    if model is None:
        model = build_recognizer(cfg)
    model.eval()
    loader = Runner.build_dataloader(copy.deepcopy(loader_cfg))
    metrics_cfg = (list(evaluator_cfg) if isinstance(evaluator_cfg,
                                                     (list, tuple)) else
                   [evaluator_cfg])
    evaluators, records = {}, {}
    for name in backends:
        metrics = copy.deepcopy(metrics_cfg)
        if name in dump:
            metrics.append(dict(type='DumpResults',
                                out_file_path=str(dump[name])))
        evaluators[name] = Evaluator(metrics)
        evaluators[name].dataset_meta = getattr(loader.dataset, 'metainfo',
                                                None)
        records[name] = dict(gt=[], pred=[], scores=[], logits=[])
    batches = itertools.islice(loader, max_batches)
    if progress is not None:
        total = dataloader_length(loader)
        if total is not None and max_batches is not None:
            total = min(total, max_batches)
        batches = batch_progress(batches, f'{progress} ({split}_dataloader)',
                                 total)
    num_clips = 0
    for data in batches:
        with torch.no_grad():
            data = model.data_preprocessor(data, False)
        inputs = data['inputs'].detach().cpu().numpy()
        samples = data['data_samples']
        num_clips += len(samples)
        for name, backend in backends.items():
            logits = _run_backend(backend, inputs, loader.batch_size)
            scores = _average_clip(model, logits, len(samples))
            labels = scores.argmax(dim=-1, keepdim=True)
            outputs = copy.deepcopy(samples)
            for sample, score, label in zip(outputs, scores, labels):
                sample.set_pred_score(score)
                sample.set_pred_label(label)
            evaluators[name].process(data_samples=outputs, data_batch=data)
            rec = records[name]
            rec['gt'] += [int(s.gt_label.reshape(-1)[0]) for s in samples]
            rec['pred'] += labels.reshape(-1).tolist()
            rec['scores'].append(scores.numpy())
            if return_logits:
                rec['logits'].append(logits)
    if num_clips == 0:
        raise ValueError(f'{split}_dataloader gave no clip')
    results = {}
    for name in backends:
        rec = records[name]
        results[name] = dict(
            metrics=evaluators[name].evaluate(num_clips),
            gt_labels=np.array(rec['gt']),
            pred_labels=np.array(rec['pred']),
            pred_scores=np.concatenate(rec['scores']))
        if return_logits:
            results[name]['logits'] = np.concatenate(rec['logits'])
    return results


def _run_backend(backend: Backend, inputs: np.ndarray,
                 batch_size: Optional[int]) -> np.ndarray:
    """``backend(inputs)`` as float32 logits. A backend compiled for static
    shapes (``static_batch``: one graph per batch size, e.g.
    :class:`~mmlight.compression.quantization.InductorProgram`) gets a short
    last batch padded with zero clips to the loader's ``batch_size``, so an
    evaluation compiles one graph, not two; the padding clips' rows (one
    or one a view) are dropped (clips are scored independently)."""
    n = len(inputs)
    if getattr(backend, 'static_batch', False) and batch_size \
            and n < batch_size:
        pad = np.zeros((batch_size - n, ) + inputs.shape[1:], inputs.dtype)
        logits = np.asarray(backend(np.concatenate([inputs, pad])),
                            dtype=np.float32)
        return logits[:n * (len(logits) // batch_size)]
    return np.asarray(backend(inputs), dtype=np.float32)


def deployed_runner(path: str, num_threads: int = 0) -> Backend:
    """The runner of a deployed file: an ``.onnx`` on ONNX Runtime
    (:class:`OrtRecognizer`), an OpenVINO ``.xml`` on OpenVINO's CPU plugin
    (:class:`~mmlight.deployment.openvino_runtime.OvRecognizer`).

    Args:
        path (str): The file.
        num_threads (int): Intra-op threads; 0 lets the runtime choose.
            Defaults to 0.

    Raises:
        ValueError: Another extension.
    """
    if str(path).endswith('.xml'):
        from mmlight.deployment.openvino_runtime import OvRecognizer
        return OvRecognizer(path, num_threads)
    if str(path).endswith('.onnx'):
        return OrtRecognizer(path, num_threads)
    raise ValueError(f'{path}: a deployed model is an .onnx (ONNX Runtime) '
                     'or an OpenVINO .xml')


def evaluate_onnx(cfg: Any,
                  onnx_path: str,
                  num_threads: int = 0,
                  model: Optional[nn.Module] = None,
                  dump: Optional[str] = None,
                  return_logits: bool = False,
                  split: str = 'test',
                  progress: bool = False) -> Dict[str, Any]:
    """Evaluate an ONNX (or OpenVINO) recognizer on a config's test split.

    Args:
        cfg (Config | dict): The config the model was exported from.
        onnx_path (str): The ``.onnx`` file, or an OpenVINO ``.xml``
            (:func:`deployed_runner`).
        num_threads (int): Intra-op threads; 0 lets the runtime choose.
            Defaults to 0.
        model (nn.Module, optional): See :func:`evaluate_backends`.
            Defaults to None.
        dump (str, optional): Write the predictions to this ``.pkl`` as
            ``tools/test.py --dump`` does. Defaults to None.
        return_logits (bool): Also return the raw logits. Defaults to False.
        split (str): ``'test'`` or ``'val'``. Defaults to ``'test'``.
        progress (bool): Print ``test (test_dataloader): batch i/n``
            lines as it goes. Defaults to False.

    Returns:
        dict: ``metrics``, ``gt_labels``, ``pred_labels``, ``pred_scores``
        (and ``logits``); see :func:`evaluate_backends`.

    Raises:
        FileNotFoundError: ``onnx_path`` does not exist.
    """
    backend = deployed_runner(onnx_path, num_threads)
    return evaluate_backends(
        cfg, {'onnx': backend}, model=model, split=split,
        dump=None if dump is None else {'onnx': dump},
        return_logits=return_logits,
        progress='test' if progress else None)['onnx']


def compare_outputs(reference: Mapping[str, Any],
                    other: Mapping[str, Any]) -> Dict[str, float]:
    """How closely one backend follows another on the same clips.

    Args:
        reference (Mapping): A :func:`evaluate_backends` result, e.g.
            PyTorch's.
        other (Mapping): Another one over the same clips.

    Returns:
        dict[str, float]: ``top1_agreement``, the fraction of clips with
        the same predicted label; ``max_abs_logit_diff``, the largest
        absolute logit difference (NaN unless both have ``logits``).
    """
    ref, oth = np.asarray(reference['pred_labels']), np.asarray(
        other['pred_labels'])
    if ref.shape != oth.shape:
        raise ValueError(f'{ref.shape[0]} vs {oth.shape[0]} clips: not the '
                         'same evaluation')
    out = dict(top1_agreement=float((ref == oth).mean()),
               max_abs_logit_diff=float('nan'))
    if 'logits' in reference and 'logits' in other:
        out['max_abs_logit_diff'] = float(
            np.abs(np.asarray(reference['logits']) -
                   np.asarray(other['logits'])).max())
    return out


def measure_latency(backend: Backend, input_shape: Sequence[int],
                    min_iters: int = 20, min_seconds: float = 2.0,
                    warmup: int = 5, repeats: int = 1) -> float:
    """Median milliseconds of one call on a random input.

    Args:
        backend (Callable): ``f(inputs)``, e.g. an :class:`OrtRecognizer`
            (its thread count is the session's).
        input_shape (Sequence[int]): The input, batch included.
        min_iters (int): At least this many timed calls per repeat.
            Defaults to 20.
        min_seconds (float): At least this long per repeat. Defaults to 2.0.
        warmup (int): Untimed calls first. Defaults to 5.
        repeats (int): Timed rounds; the median round is returned, which
            resists a busy machine. Defaults to 1.

    Returns:
        float: Milliseconds per call (mean within a round, median over
        rounds).
    """
    if min_iters < 1 or min_seconds < 0 or warmup < 0 or repeats < 1:
        raise ValueError(f'need min_iters >= 1, min_seconds >= 0, warmup >= '
                         f'0, repeats >= 1; got {min_iters}, {min_seconds}, '
                         f'{warmup}, {repeats}')
    inputs = np.random.default_rng(0).standard_normal(
        tuple(input_shape)).astype(np.float32)
    rounds = [
        1000 / time_calls(backend, inputs, torch.get_num_threads(),
                          min_iters, min_seconds, warmup if i == 0 else 0)
        for i in range(repeats)
    ]
    return float(np.median(rounds))


def file_size_mb(path: str) -> float:
    """Size of a file in MB (2**20 bytes); an OpenVINO ``.xml`` counts its
    ``.bin`` too."""
    if str(path).endswith('.xml'):
        from mmlight.deployment.openvino_runtime import ir_size_mb
        return ir_size_mb(path)
    return osp.getsize(path) / 2**20
