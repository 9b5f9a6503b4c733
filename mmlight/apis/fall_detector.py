"""A streaming fall detector: a sliding window over the last frames, a
recognizer (PyTorch or ONNX Runtime), smoothing and an alarm."""
import collections
import time
from typing import Any, Callable, Deque, Dict, Optional, Tuple

import numpy as np
import torch

from .fall_alarm import FallAlarm

__all__ = [
    'OnlineFallDetector', 'StreamingFallDetector', 'build_clip_scorer'
]


def build_clip_scorer(cfg: Any, checkpoint: Optional[str] = None,
                      onnx: Optional[str] = None, threads: int = 0,
                      int8_runtime: str = 'inductor'
                      ) -> Tuple[Callable[[np.ndarray], np.ndarray],
                                 torch.nn.Module]:
    """The function that scores one preprocessed window, and the data
    preprocessor it expects.

    Args:
        cfg (Config): The model's config (its data preprocessor and head).
        checkpoint (str, optional): A PyTorch checkpoint (``.pth``) or an
            exported INT8 program (``.pt2``). Defaults to None.
        onnx (str, optional): An ONNX model (FP32 or INT8) instead.
            Defaults to None.
        threads (int): ONNX Runtime intra-op threads (0: its choice).
            Defaults to 0.
        int8_runtime (str): How a ``.pt2`` runs: ``'inductor'``
            (compiled here, on the program's input shape, so the first
            window is not slow) or ``'reference'``. Defaults to
            ``'inductor'``.

    Returns:
        tuple: ``f(inputs) -> class probabilities`` on ``(1, S, C, H, W)``
        normalised clips, and the data preprocessor.

    Raises:
        ValueError: Neither or both of ``checkpoint`` and ``onnx``.
    """
    from mmlight.deployment.recognizer import build_recognizer
    from mmlight.utils.config import ensure_default_scope
    from mmlight.registry import MODELS
    if (checkpoint is None) == (onnx is None):
        raise ValueError('give exactly one of a checkpoint and an ONNX model')
    ensure_default_scope(cfg)
    if onnx is not None:
        from mmlight.deployment.ort_inference import OrtRecognizer
        session = OrtRecognizer(onnx, threads)
        logits_fn: Callable = session
        preprocessor = MODELS.build(dict(cfg.model.data_preprocessor))
    elif checkpoint.endswith('.pt2'):
        from mmlight.compression.quantization.int8_runtime import load_int8_program
        program, meta = load_int8_program(checkpoint, int8_runtime)
        if hasattr(program, 'warmup') and meta.get('input_shape'):
            program.warmup(meta['input_shape'])

        def logits_fn(x):
            with torch.inference_mode():
                return program(torch.as_tensor(x)).numpy()

        preprocessor = MODELS.build(dict(cfg.model.data_preprocessor))
    else:
        from mmlight.deployment.recognizer import torch_backend
        model = build_recognizer(cfg, checkpoint)
        logits_fn = torch_backend(model)
        preprocessor = model.data_preprocessor

    def probabilities(x: np.ndarray) -> np.ndarray:
        logits = torch.as_tensor(np.asarray(logits_fn(x), np.float32))
        # a 3D recognizer gives one row a view: average over the views
        return torch.softmax(logits, dim=-1).mean(dim=0).numpy()

    return probabilities, preprocessor.eval()


#: Window latencies kept for the mean / p95 figures (the latest ones).
LATENCY_WINDOWS = 10000


class StreamingFallDetector:
    """Score a sliding window of the last frames and raise fall alerts.

    Frames are resized as they arrive and kept in a ring of
    ``window_frames`` (constant memory whatever the stream's length). Every
    ``stride`` frames, once the ring is full, ``num_segments`` frames evenly
    spread over it (the centre of each segment, as MMAction2's test-time
    sampling takes them) are normalised by the model's data preprocessor
    and scored; the fall probability goes to a :class:`FallAlarm`.

    Args:
        scorer (Callable): ``f((1, S, C, H, W)) -> probabilities``
            (:func:`build_clip_scorer`).
        preprocessor (nn.Module): The model's data preprocessor.
        window_frames (int): Frames a window spans (the training clip's
            span, e.g. 48).
        num_segments (int): Frames the model takes from it, e.g. 8.
        size (tuple): ``(W, H)`` the model takes.
        fall_index (int): The fall class's index.
        stride (int): Frames between windows. Defaults to 8.
        input_format (str): The preprocessor's ``'NCHW'`` (2D/TSM) or
            ``'NCTHW'`` (3D). Defaults to ``'NCHW'``.
        alarm (FallAlarm, optional): Defaults to ``FallAlarm()``.
    """

    def __init__(self, scorer: Callable[[np.ndarray], np.ndarray],
                 preprocessor: torch.nn.Module, window_frames: int,
                 num_segments: int, size: Tuple[int, int], fall_index: int,
                 stride: int = 8, input_format: str = 'NCHW',
                 alarm: Optional[FallAlarm] = None) -> None:
        from mmlight.utils.checks import check_positive_int
        check_positive_int('window_frames', window_frames)
        check_positive_int('num_segments', num_segments)
        check_positive_int('stride', stride)
        if num_segments > window_frames:
            raise ValueError(f'num_segments ({num_segments}) must be at '
                             f'most window_frames ({window_frames})')
        if input_format not in ('NCHW', 'NCTHW'):
            raise ValueError("input_format must be 'NCHW' or 'NCTHW', got "
                             f'{input_format!r}')
        self.scorer = scorer
        self.preprocessor = preprocessor
        self.window_frames = window_frames
        self.stride = stride
        self.size = tuple(size)
        self.fall_index = fall_index
        self.input_format = input_format
        self.alarm = alarm or FallAlarm()
        # TSN test-time sampling: the centre frame of each segment
        seg = window_frames / num_segments
        self.indices = [int(seg * i + seg / 2) for i in range(num_segments)]
        self.frames: Deque[np.ndarray] = collections.deque(
            maxlen=window_frames)
        self.seen = 0
        # seconds per window: the latest LATENCY_WINDOWS (memory stays
        # bounded on a stream of any length); `windows` counts them all
        self.latencies: Deque[float] = collections.deque(
            maxlen=LATENCY_WINDOWS)
        self.windows = 0
        self.last_probability: Optional[float] = None

    def push(self, t: float, frame: np.ndarray
             ) -> Tuple[Optional[float], Optional[Dict[str, float]]]:
        """Add a BGR frame; score the window when one is due.

        Returns:
            tuple: The window's fall probability (None if no window was
            scored) and the event this frame ended (or None).
        """
        import cv2
        rgb = cv2.cvtColor(cv2.resize(frame, self.size,
                                      interpolation=cv2.INTER_LINEAR),
                           cv2.COLOR_BGR2RGB)
        self.frames.append(rgb)
        self.seen += 1
        if len(self.frames) < self.window_frames or (
                self.seen - self.window_frames) % self.stride:
            return None, None
        start = time.perf_counter()
        clip = np.stack([self.frames[i] for i in self.indices])  # T,H,W,C
        if self.input_format == 'NCHW':
            clip = clip.transpose(0, 3, 1, 2)  # (S, C, H, W)
        else:
            clip = clip.transpose(3, 0, 1, 2)[None]  # (1, C, T, H, W)
        with torch.no_grad():
            inputs = self.preprocessor(
                dict(inputs=[torch.from_numpy(np.ascontiguousarray(clip))],
                     data_samples=None), False)['inputs']
        probability = float(self.scorer(inputs.cpu().numpy())[
            self.fall_index])
        self.latencies.append(time.perf_counter() - start)
        self.windows += 1
        self.last_probability = probability
        return probability, self.alarm.update(t, probability)

    def finish(self) -> Optional[Dict[str, float]]:
        """End of stream: the event still open, if any."""
        return self.alarm.flush()


class OnlineFallDetector(StreamingFallDetector):
    """Online TSM: every frame of the model goes through the backbone once.

    With a causal temporal shift (``fall_mbv3s_tsm_online.py``) a frame's
    features depend on the frames before it only, so a stream needs no
    windows: every ``window_frames / num_segments`` frames (one segment's
    span) the newest frame alone runs through the backbone, its shifts fed
    by the previous frame's (:func:`~mmlight.models.layers.set_streaming`),
    and the head scores the features of the last ``num_segments`` frames.
    The work per score is one frame's backbone instead of ``num_segments``.
    Within the first window this is exactly the offline model on the same
    frames; later a frame also sees, through the shifts, frames before the
    window.

    Args:
        model (nn.Module): A ``Recognizer2D`` whose backbone is a
            ``TemporalAdapter`` with causal shifts, weights loaded.
        window_frames (int): Frames a window spans, e.g. 48.
        num_segments (int): Frames the head averages, e.g. 8.
        size (tuple): ``(W, H)`` the model takes.
        fall_index (int): The fall class's index.
        alarm (FallAlarm, optional): Defaults to ``FallAlarm()``.
    """

    def __init__(self, model: torch.nn.Module, window_frames: int,
                 num_segments: int, size: Tuple[int, int], fall_index: int,
                 alarm: Optional[FallAlarm] = None) -> None:
        from mmlight.models.layers import set_streaming
        step = max(1, window_frames // num_segments)
        super().__init__(None, model.data_preprocessor, window_frames,
                         num_segments, size, fall_index, stride=step,
                         alarm=alarm)
        set_streaming(model, True)
        model.backbone.num_segments = 1
        self.model = model.eval()
        self.step = step
        self.num_segments = num_segments
        self.features: Deque[torch.Tensor] = collections.deque(
            maxlen=num_segments)
        self.frames = collections.deque(maxlen=1)  # no window is kept

    def push(self, t: float, frame: np.ndarray
             ) -> Tuple[Optional[float], Optional[Dict[str, float]]]:
        """Add a BGR frame; every ``step`` frames run it and score."""
        import cv2
        self.seen += 1
        if (self.seen - 1) % self.step:
            return None, None
        start = time.perf_counter()
        rgb = cv2.cvtColor(cv2.resize(frame, self.size,
                                      interpolation=cv2.INTER_LINEAR),
                           cv2.COLOR_BGR2RGB)
        clip = torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0,
                                                                   1)))[None]
        with torch.no_grad():
            inputs = self.preprocessor(dict(inputs=[clip],
                                            data_samples=None),
                                       False)['inputs']  # (1, 1, C, H, W)
            self.features.append(self.model.backbone(inputs.flatten(0, 1)))
            if len(self.features) < self.num_segments:
                return None, None
            logits = self.model.cls_head(torch.cat(list(self.features)),
                                         num_segs=self.num_segments)
        probability = float(torch.softmax(logits, -1)[0, self.fall_index])
        self.latencies.append(time.perf_counter() - start)
        self.windows += 1
        self.last_probability = probability
        return probability, self.alarm.update(t, probability)
