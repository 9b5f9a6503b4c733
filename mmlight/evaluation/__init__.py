"""Evaluation helpers. Training-time metrics are MMAction2's (AccMetric,
ConfusionMatrix); :mod:`.report` turns dumped predictions into fall figures
and :mod:`.benchmark` compares architectures side by side.
"""
from .benchmark import benchmark_config, format_table
from .report import (confusion_matrix, fall_metrics, format_confusion,
                     format_summary, load_predictions)

__all__ = [
    'benchmark_config', 'confusion_matrix', 'fall_metrics', 'format_confusion',
    'format_summary', 'format_table', 'load_predictions'
]
