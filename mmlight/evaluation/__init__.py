"""Evaluation helpers. Training-time metrics are MMAction2's (AccMetric,
ConfusionMatrix); :mod:`.report` turns dumped predictions into fall figures.
"""
from .report import (confusion_matrix, fall_metrics, format_confusion,
                     format_summary, load_predictions)

__all__ = [
    'confusion_matrix', 'fall_metrics', 'format_confusion', 'format_summary',
    'load_predictions'
]
