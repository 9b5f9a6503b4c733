"""Measuring what a model costs, the low level every report uses: time per
call and peak memory in a fresh process (:mod:`.runtime`), the training
bytes of a batch (:mod:`.memory_probe`), parameters and FLOPs of a config's
clip (:mod:`.complexity`). Imports nothing else of mmlight.
"""
from .complexity import TensorForward, infer_input_shape, model_complexity
from .memory_probe import parse_memory
from .runtime import peak_memory, peak_training_memory, time_calls

__all__ = [
    'TensorForward', 'infer_input_shape', 'model_complexity', 'parse_memory',
    'peak_memory', 'peak_training_memory', 'time_calls'
]
