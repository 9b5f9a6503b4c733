"""Evaluation helpers. Training-time metrics are MMAction2's (AccMetric,
ConfusionMatrix) and mmlight's :class:`FallMetric` (:mod:`.metrics`);
:mod:`.stream_eval` scores the streaming detector over whole annotated
videos; :mod:`.report` turns dumped predictions into fall figures,
:mod:`.benchmark` compares architectures side by side and
:mod:`.compression` an FP32 student with its pruned and INT8 forms.
"""
from .benchmark import benchmark_config, format_table
from .compression import (build_compressed_models, format_compression_table,
                          measure_compressed_models)
from .distill_benchmark import format_distill_table, run_distill_benchmark
from .metrics import FallMetric, binary_fall_figures
from .report import (confusion_matrix, fall_metrics, format_confusion,
                     format_summary, load_predictions)

__all__ = [
    'FallMetric', 'benchmark_config', 'binary_fall_figures',
    'build_compressed_models', 'confusion_matrix',
    'fall_metrics', 'format_compression_table', 'format_confusion',
    'format_distill_table', 'format_summary', 'format_table',
    'load_predictions', 'measure_compressed_models', 'run_distill_benchmark'
]
