"""Run a saved INT8 program fast: ``torch.compile`` with inductor.

A converted PT2E graph run as it is (the *reference* runtime) executes
quantize / dequantize ops around FP32 convolutions: exact INT8 numerics,
but slower than the FP32 model. Compiled by inductor with
``freezing=True``, the q/dq patterns that ``X86InductorQuantizer``
annotated are matched and lowered to oneDNN int8 convolutions and linears
(VNNI / AMX where the CPU has them), with the weights packed once; that is
the *inductor* runtime, what the tools use by default.

Compilation happens at the first call of each input shape (one static
graph per batch size, up to torch.compile's recompile limit of 8) and takes
seconds (measured and kept in :attr:`InductorProgram.compile_s`); inductor
caches the generated code on disk (``TORCHINDUCTOR_CACHE_DIR``, by default
under the system's temporary folder), so a later process compiles the
same program faster. The compiler lives in the process: its peak memory
counts the compiler's ~130 MB.
"""
import time
from typing import Any, Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn

__all__ = ['INT8_RUNTIMES', 'InductorProgram', 'load_int8_program']

#: ``'inductor'`` (compiled, fast) or ``'reference'`` (q/dq ops run as
#: they are, for debugging and as the numerics' reference).
INT8_RUNTIMES = ('inductor', 'reference')


class InductorProgram:
    """A converted INT8 module compiled by inductor on its first call.

    Calls run under ``torch.no_grad`` (freezing needs it) on the CPU.

    Args:
        module: A converted PT2E graph, e.g. ``ExportedProgram.module()``
            of a file of :func:`~mmlight.models.utils.save_quantized`.
        example_shape: Compile now on zeros of this shape (batch included)
            instead of at the first call. Defaults to None.

    Attributes:
        compile_s (dict): Seconds each first call of an input shape took
            (compilation plus one run), by shape.
        static_batch (bool): True: a new batch size compiles a new graph,
            so evaluators pad a short last batch
            (:func:`~mmlight.deployment.ort_inference.evaluate_backends`).
    """

    static_batch = True

    def __init__(self, module: nn.Module,
                 example_shape: Optional[Sequence[int]] = None) -> None:
        if not isinstance(module, nn.Module):
            raise TypeError(f'`module` must be an nn.Module, got '
                            f'{type(module).__name__}')
        self.module = module
        # one static graph per batch size: a deployed model sees one or two
        # sizes, and static kernels are the fastest
        self._compiled = torch.compile(module, backend='inductor',
                                       dynamic=False)
        self.compile_s: Dict[Tuple[int, ...], float] = {}
        if example_shape is not None:
            self.warmup(example_shape)

    def warmup(self, shape: Sequence[int]) -> float:
        """Compile for ``shape`` now (one call on zeros).

        Args:
            shape: The input shape, batch included, e.g. ``(1, 8, 3, 224,
                224)``.

        Returns:
            float: The seconds it took (0 when already compiled for it).
        """
        shape = tuple(int(s) for s in shape)
        if shape in self.compile_s:
            return 0.0
        self(torch.zeros(shape))
        return self.compile_s[shape]

    @property
    def total_compile_s(self) -> float:
        """All first-call seconds together."""
        return float(sum(self.compile_s.values()))

    def __call__(self, inputs: Any) -> torch.Tensor:
        """Class scores of preprocessed clips.

        Args:
            inputs: ``(N, S, C, H, W)`` (array or tensor), cast to float32.

        Returns:
            torch.Tensor: ``(N, num_classes)``.
        """
        inputs = torch.as_tensor(inputs).detach().float().cpu()
        shape = tuple(inputs.shape)
        with torch.no_grad():
            if shape in self.compile_s:
                return self._compiled(inputs)
            import torch._inductor.config as inductor_config
            start = time.perf_counter()
            # freezing is read when compiling (here, at a new shape's first
            # call); torch.compile's `options` do not reach it
            with inductor_config.patch(freezing=True):
                out = self._compiled(inputs)
            self.compile_s[shape] = time.perf_counter() - start
            return out


def load_int8_program(path: str, runtime: str = 'inductor',
                      example_shape: Optional[Sequence[int]] = None
                      ) -> Tuple[Any, Dict[str, Any]]:
    """Load a ``.pt2`` INT8 program for a runtime.

    Args:
        path: A file of :func:`~mmlight.models.utils.save_quantized`.
        runtime: One of :data:`INT8_RUNTIMES`. Defaults to ``'inductor'``.
        example_shape: With ``'inductor'``, compile for this input shape
            now (see :class:`InductorProgram`). Defaults to None.

    Returns:
        tuple: A callable, ``(N, S, C, H, W)`` clips to ``(N, num_classes)``
        scores (the module itself for ``'reference'``, an
        :class:`InductorProgram` for ``'inductor'``), and the metadata saved
        with the program.

    Raises:
        ValueError: An unknown ``runtime``.
        FileNotFoundError: ``path`` does not exist.
    """
    from mmlight.compression.quantization.serialization import load_quantized
    if runtime not in INT8_RUNTIMES:
        raise ValueError(f'INT8 runtime must be one of {list(INT8_RUNTIMES)}'
                         f', got {runtime!r}')
    module, meta = load_quantized(path)
    if runtime == 'reference':
        return module, meta
    return InductorProgram(module, example_shape), meta
