"""Evaluation helpers. Training-time metrics are MMAction2's (AccMetric,
ConfusionMatrix); :mod:`.report` turns dumped predictions into fall figures
and :mod:`.benchmark` compares architectures side by side.
"""
from .benchmark import benchmark_config, format_table
from .distill_benchmark import format_distill_table, run_distill_benchmark
from .report import (confusion_matrix, fall_metrics, format_confusion,
                     format_summary, load_predictions)

__all__ = [
    'benchmark_config', 'confusion_matrix', 'fall_metrics', 'format_confusion',
    'format_distill_table', 'format_summary', 'format_table',
    'load_predictions', 'run_distill_benchmark'
]
