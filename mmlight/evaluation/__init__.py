"""Evaluation: mmlight's registered metric (:class:`FallMetric`, fall /
no-fall figures beside MMAction2's AccMetric and ConfusionMatrix), and the
scoring of the streaming detector's alerts over whole annotated videos
(:mod:`.stream_metrics`, :mod:`.stream_eval`).
"""
from .metrics import FallMetric, binary_fall_figures

__all__ = ['FallMetric', 'binary_fall_figures']
