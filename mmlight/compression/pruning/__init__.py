"""Pruning: structured channel pruning with torch-pruning (dependency
analysis, the pruner with FLOP counting, the pruned-shape checkpoint format)
and unstructured magnitude masks."""
from .channel_pruning import (ChannelPruner, apply_pruned_shapes,
                              apply_unstructured_pruning,
                              find_unprunable_layers, pruned_shapes)

__all__ = [
    'ChannelPruner', 'apply_pruned_shapes', 'apply_unstructured_pruning',
    'find_unprunable_layers', 'pruned_shapes'
]
