"""Pruning of video recognizers. :mod:`.dependency`: torch-pruning's
dependency graph with mmlight's temporal layers handled, and which layers
must keep their channels and why; :mod:`.pruner`: :class:`ChannelPruner`
(structured channel pruning, its FLOP/parameter counts and report);
:mod:`.shapes`: the pruned-shape checkpoint format (``meta[SHAPES_KEY]``)
and the one function that reshapes a freshly built model from such a
checkpoint; :mod:`.unstructured`: magnitude zeros and the masks that keep
them zero."""
from .dependency import (build_dependency_graph, find_unprunable_layers,
                         resolve_module)
from .pruner import ChannelPruner, accumulate_gradients, format_report
from .shapes import (PRUNED_SHAPES_FORMAT, SHAPES_KEY, apply_pruned_shapes,
                     checkpoint_shapes, pruned_shapes, reshape_to_checkpoint)
from .unstructured import apply_masks, apply_unstructured_pruning, zero_masks

__all__ = [
    'PRUNED_SHAPES_FORMAT', 'SHAPES_KEY', 'ChannelPruner',
    'accumulate_gradients', 'apply_masks', 'apply_pruned_shapes',
    'apply_unstructured_pruning', 'build_dependency_graph',
    'checkpoint_shapes', 'find_unprunable_layers', 'format_report',
    'pruned_shapes', 'reshape_to_checkpoint', 'resolve_module', 'zero_masks'
]
