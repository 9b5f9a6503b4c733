"""Side-by-side reports, the logic of the measuring tools: the headline
table (:mod:`.edge_benchmark`, ``tools/benchmark.py``), cost at any input
(:mod:`.cost_benchmark`), architectures (:mod:`.benchmark`), distillation
(:mod:`.distill_benchmark`), compression (:mod:`.compression`), training
memory and the training step every report measures
(:mod:`.training_memory`), accuracy from dumped predictions
(:mod:`.accuracy`) and the real-video summary (:mod:`.real_report`); what
they share (table cells, ratios, ``--cfg-options``, fresh-process loaders,
running a tool) is :mod:`.common`. The measuring itself is
:mod:`mmlight.measure`.
"""
from .accuracy import (confusion_matrix, fall_metrics, format_confusion,
                       format_summary, load_predictions)
from .benchmark import benchmark_config, format_table
from .compression import (build_compressed_models, format_compression_table,
                          measure_compressed_models)
from .distill_benchmark import format_distill_table, run_distill_benchmark

__all__ = [
    'benchmark_config', 'build_compressed_models', 'confusion_matrix',
    'fall_metrics', 'format_compression_table', 'format_confusion',
    'format_distill_table', 'format_summary', 'format_table',
    'load_predictions', 'measure_compressed_models', 'run_distill_benchmark'
]
