"""Measuring primitives shared by the benchmarks: call rate and peak memory.

They take any callable, so PyTorch recognizers, exported INT8 programs and
ONNX Runtime sessions are measured the same way, side by side.
"""
import ctypes
import gc
import multiprocessing
import resource
import time
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np
import torch

__all__ = [
    'time_calls', 'time_interleaved', 'resident_mb', 'peak_memory',
    'peak_training_memory', 'CPU_MEMORY_METHOD', 'CUDA_MEMORY_METHOD',
    'CPU_TRAIN_MEMORY_METHOD', 'CUDA_TRAIN_MEMORY_METHOD'
]

CPU_MEMORY_METHOD = (
    'peak RSS of a fresh process while it loads the model and runs one '
    'forward, minus its RSS right after the imports (heap trimmed and peak '
    'reset there: Linux VmHWM; else `ru_maxrss`), i.e. weights + inference '
    'working memory')
CUDA_MEMORY_METHOD = (
    '`torch.cuda.max_memory_allocated` over moving the model to the GPU '
    'and one forward (weights + activations)')

CPU_TRAIN_MEMORY_METHOD = (
    'peak RSS of a fresh process while it builds the model, its optimizer '
    'and one batch and runs the training steps, minus its RSS right after '
    'the imports (as for inference), i.e. weights + gradients + optimizer '
    'state + batch + activations kept for the backward')
CUDA_TRAIN_MEMORY_METHOD = (
    '`torch.cuda.max_memory_allocated` over building the model, its '
    'optimizer and one batch on the GPU and the training steps')


def time_calls(fn: Callable[[Any], Any], inputs: Any, threads: int = 2,
               min_iters: int = 20, min_seconds: float = 2.0,
               warmup: int = 3) -> float:
    """Calls per second of ``fn(inputs)``.

    ``warmup`` untimed calls, then timed calls until both ``min_iters``
    calls and ``min_seconds`` have passed. ``torch.set_num_threads(threads)``
    holds while it runs (an ONNX Runtime session sets its own threads when
    it is created).

    Args:
        fn (Callable): The forward to time, e.g. a recognizer wrapped in
            :class:`~mmlight.measure.complexity.TensorForward` or an ONNX
            Runtime runner.
        inputs (Any): Its one argument, e.g. a ``(N, 8, 3, 48, 64)`` tensor.
        threads (int): Intra-op torch threads. Defaults to 2.
        min_iters (int): At least this many timed calls. Defaults to 20.
        min_seconds (float): At least this long. Defaults to 2.0.
        warmup (int): Untimed calls first. Defaults to 3.

    Returns:
        float: Timed calls divided by their wall time.
    """
    if threads < 1 or min_iters < 1 or min_seconds < 0 or warmup < 0:
        raise ValueError(f'need threads >= 1, min_iters >= 1, min_seconds '
                         f'>= 0, warmup >= 0; got {threads}, {min_iters}, '
                         f'{min_seconds}, {warmup}')
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for _ in range(warmup):
            fn(inputs)
        iters = 0
        start = time.perf_counter()
        while True:
            fn(inputs)
            iters += 1
            elapsed = time.perf_counter() - start
            if iters >= min_iters and elapsed >= min_seconds:
                break
    finally:
        torch.set_num_threads(previous)
    return iters / elapsed


def time_interleaved(loaders: Dict[str, Callable[[], Callable[[Any], Any]]],
                     shapes: Dict[str, Sequence[int]],
                     batch_sizes: Sequence[int] = (1, 8),
                     rounds: int = 3, threads: int = 2,
                     min_iters: int = 10, min_seconds: float = 1.0,
                     errors: Optional[Dict[str, str]] = None
                     ) -> Dict[str, Dict[int, float]]:
    """Clips/s of several models side by side, median over rounds.

    In each round every model, in turn, gets its forward from its loader
    and is timed (:func:`time_calls`) at every batch size on random float32
    clips (seed 0, the same for models of one shape); the forward is
    dropped after its turn. A noisy moment then costs one round of one
    model, not its whole figure, and no model is favoured by when it ran.
    A loader may return a model it keeps, or build a fresh one each turn
    (an idle ONNX Runtime session keeps spinning threads that would slow
    whatever runs next).

    Args:
        loaders (dict): ``{name: () -> forward}``; ``forward(clips)``
            takes a ``(N, *shape)`` float32 array.
        shapes (dict): ``{name: one clip's shape}`` (no batch dimension).
        batch_sizes (Sequence[int]): Batch sizes. Defaults to (1, 8).
        rounds (int): Rounds, >= 1. Defaults to 3.
        threads (int): See :func:`time_calls`. Defaults to 2.
        min_iters (int): See :func:`time_calls`. Defaults to 10.
        min_seconds (float): See :func:`time_calls`. Defaults to 1.0.
        errors (dict, optional): If given, a model whose loader or forward
            raises is dropped and ``errors[name]`` says why; otherwise the
            exception propagates. Defaults to None.

    Returns:
        dict: ``{name: {batch size: median clips/s}}`` of the models that
        did not fail.
    """
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f'rounds must be an int >= 1, got {rounds!r}')
    by_shape: Dict[tuple, Dict[int, np.ndarray]] = {}
    for shape in {tuple(s) for s in shapes.values()}:
        rng = np.random.default_rng(0)  # the same clips for every model
        by_shape[shape] = {b: rng.standard_normal((b, ) + shape).astype(
            np.float32) for b in batch_sizes}
    inputs = {name: by_shape[tuple(shape)] for name, shape in shapes.items()}
    speeds = {name: {b: [] for b in batch_sizes} for name in loaders}
    for _ in range(rounds):
        for name in list(speeds):
            try:
                forward = loaders[name]()
                for b in batch_sizes:
                    speeds[name][b].append(b * time_calls(
                        forward, inputs[name][b], threads, min_iters,
                        min_seconds))
                del forward
            except Exception as e:
                if errors is None:
                    raise
                errors[name] = f'{type(e).__name__}: {e}'
                del speeds[name]
    return {name: {b: float(np.median(v)) for b, v in by_batch.items()}
            for name, by_batch in speeds.items()}


def _status_mb(field: str) -> Optional[float]:
    """A ``/proc/self/status`` memory field (``VmRSS``, ``VmHWM``) in MB."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def resident_mb() -> Optional[float]:
    """This process's resident memory now (Linux ``VmRSS``), in MB; None
    where ``/proc`` is not available."""
    return _status_mb('VmRSS')


def _ru_maxrss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _start_peak_rss() -> Tuple[float, bool]:
    """Return what the imports left resident, and reset the peak to it.

    Freed heap memory stays resident and is handed out again without the
    RSS growing, which would hide a small model. So the heap is trimmed
    (glibc ``malloc_trim``) and the kernel's peak (``VmHWM``) reset to the
    current RSS (``/proc/self/clear_refs``, Linux >= 4.0). Where that is
    not possible, the baseline is the peak so far, ``ru_maxrss``.
    """
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        rss = _status_mb('VmRSS')
        if rss is not None and _status_mb('VmHWM') is not None:
            return rss, True
    except OSError:
        pass
    return _ru_maxrss_mb(), False


def _start_peak(device: str) -> Tuple[float, bool]:
    """Reset the peak this process measures: CUDA's, or the RSS's
    (:func:`_start_peak_rss`, whose baseline and flag it returns)."""
    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
        return 0.0, False
    return _start_peak_rss()


def _peak_since(device: str, baseline: float, hwm: bool) -> float:
    """The peak since :func:`_start_peak`, in MB."""
    if device == 'cuda':
        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated() / 2**20
    peak = _status_mb('VmHWM') if hwm else _ru_maxrss_mb()
    return peak - baseline


def _check_device(device: str) -> None:
    """The ``device`` argument of the fresh-process measurements."""
    if device not in ('cpu', 'cuda'):
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    if device == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError('device cuda: CUDA is not available')


def _to(inputs: Any, device: str) -> Any:
    return inputs.to(device) if isinstance(inputs, torch.Tensor) else inputs


def _peak_memory_child(loader: Callable[..., Callable], args: tuple,
                       input_shape: Tuple[int, ...], numpy_input: bool,
                       device: str, threads: int) -> float:
    """Runs in a fresh process: see :func:`peak_memory`."""
    # torch, numpy and this module are imported: the baseline is what every
    # model pays before it exists. The loader's own imports (onnxruntime,
    # torch.export) count, as they are part of running that model.
    torch.set_num_threads(threads)
    inputs = np.random.rand(*input_shape).astype(np.float32) \
        if numpy_input else torch.randn(input_shape)
    baseline, hwm = _start_peak(device)
    fn = loader(*args)
    if device == 'cuda' and hasattr(fn, 'to'):
        fn = fn.to(device)
    with torch.inference_mode():
        fn(_to(inputs, device))
    return _peak_since(device, baseline, hwm)


def peak_memory(loader: Callable[..., Callable], args: Sequence[Any],
                input_shape: Sequence[int], device: str = 'cpu',
                threads: int = 2, numpy_input: bool = False) -> float:
    """Peak memory of loading a model and one forward, in MB.

    Runs in a fresh ``spawn`` child, so nothing this process allocated
    counts. The child calls ``loader(*args)``, which must return the
    forward callable, and calls it once on a random input. On ``'cpu'``
    the figure is :data:`CPU_MEMORY_METHOD`; on ``'cuda'`` (a callable
    with ``.to``) :data:`CUDA_MEMORY_METHOD`.

    Args:
        loader (Callable): A module-level (picklable) function that loads
            the model in the child and returns its forward.
        args (Sequence): ``loader``'s arguments (picklable).
        input_shape (Sequence[int]): The input, batch included.
        device (str): ``'cpu'`` or ``'cuda'``. Defaults to ``'cpu'``.
        threads (int): Intra-op torch threads in the child. Defaults to 2.
        numpy_input (bool): Feed a float32 numpy array (ONNX Runtime)
            instead of a tensor. Defaults to False.

    Returns:
        float: Peak memory in MB (2**20 bytes).
    """
    _check_device(device)
    shape = tuple(int(s) for s in input_shape)
    ctx = multiprocessing.get_context('spawn')
    with ctx.Pool(1) as pool:
        return pool.apply(_peak_memory_child, (loader, tuple(args), shape,
                                               numpy_input, device, threads))


def _peak_training_child(loader: Callable[..., Callable[[], Any]],
                         args: tuple, device: str, threads: int,
                         steps: int) -> Tuple[float, float]:
    """Runs in a fresh process: see :func:`peak_training_memory`."""
    torch.set_num_threads(threads)
    baseline, hwm = _start_peak(device)
    step = loader(*args, device=device)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        if device == 'cuda':
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    # The first step allocates the gradients and the optimizer state and
    # warms the allocator; later ones are what training costs.
    seconds = float(np.median(times[1:])) if steps > 1 else times[0]
    return _peak_since(device, baseline, hwm), seconds


def peak_training_memory(loader: Callable[..., Callable[[], Any]],
                         args: Sequence[Any], device: str = 'cpu',
                         threads: int = 2,
                         steps: int = 3) -> Tuple[float, float]:
    """Peak memory and time of training steps, in a fresh process.

    The ``spawn`` child calls ``loader(*args, device=device)``, which
    builds the model, its optimizer and one batch and returns a no-argument
    callable doing one whole training step (forward, loss, backward,
    optimizer step); it is called ``steps`` times. On ``'cpu'`` the memory
    is :data:`CPU_TRAIN_MEMORY_METHOD`, on ``'cuda'``
    :data:`CUDA_TRAIN_MEMORY_METHOD`.

    Args:
        loader (Callable): A module-level (picklable) function; see above.
        args (Sequence): ``loader``'s arguments (picklable).
        device (str): ``'cpu'`` or ``'cuda'``. Defaults to ``'cpu'``.
        threads (int): Intra-op torch threads in the child. Defaults to 2.
        steps (int): Training steps, at least 1; the time is the median of
            all but the first. Defaults to 3.

    Returns:
        tuple[float, float]: Peak memory in MB (2**20 bytes) and seconds
        per training step.
    """
    _check_device(device)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f'steps must be an int >= 1, got {steps!r}')
    ctx = multiprocessing.get_context('spawn')
    with ctx.Pool(1) as pool:
        return pool.apply(_peak_training_child,
                          (loader, tuple(args), device, threads, steps))
