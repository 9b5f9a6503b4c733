"""Metrics registered in mmlight's METRICS (used from configs)."""
from .fall_metric import FallMetric, binary_fall_figures

__all__ = ['FallMetric', 'binary_fall_figures']
