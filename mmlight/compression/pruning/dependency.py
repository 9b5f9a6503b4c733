"""Which channels of a video model may be pruned together (torch-pruning's
dependency graph, with mmlight's temporal layers handled).

torch-pruning traces a model once and groups the layers whose channels must
be removed together (a conv, its BatchNorm, the next conv's inputs, every
layer joined by a residual add or a squeeze-excitation product). What video
models need on top of it lives here:

* mmlight's temporal layers are opaque to the tracer: :class:`TemporalShift`
  slices ``(N, T, C, HW)`` views and :class:`DepthwiseTemporalConv` convolves
  a transposed view. While the graph is traced both run as a channel-wise
  identity (:func:`tracing`), and both have their own pruning functions
  (:func:`customized_pruners`): a temporal conv is depthwise, so it is
  pruned with the channels it follows; a temporal shift moves the fixed
  folds ``[0, C/d)`` and ``[C/d, 2C/d)`` of its input, so the channels that
  reach it (the residual stream of a TSM network) are never pruned.
* :func:`find_unprunable_layers` names every layer left alone and why
  (classifier, temporal shift, attention heads, unknown parameterised types).
"""
import contextlib
import difflib
import warnings
from typing import Any, Callable, Dict, Iterator, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch_pruning as tp
from mmaction.models.heads.base import BaseHead
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd

from mmlight.measure.complexity import TensorForward
from mmlight.models.layers import (DepthwiseTemporalConv,
                                   MultiheadSelfAttention, TemporalShift,
                                   TransformerBlock)

__all__ = [
    'ForwardFn', 'SUPPORTED_TYPES', 'build_dependency_graph',
    'customized_pruners', 'default_forward', 'find_unprunable_layers',
    'propagate_unprunable', 'resolve_module', 'structural_layers', 'tracing'
]

ForwardFn = Callable[[nn.Module, Any], Any]
_ATTENTION_TYPES = (nn.MultiheadAttention, MultiheadSelfAttention,
                    TransformerBlock)
#: Types torch-pruning has pruning functions for (and ours).
SUPPORTED_TYPES = (_ConvNd, _BatchNorm, nn.Linear, nn.LayerNorm,
                   nn.GroupNorm, nn.modules.instancenorm._InstanceNorm,
                   nn.PReLU, nn.Embedding, nn.LSTM, nn.MultiheadAttention,
                   DepthwiseTemporalConv)


# --------------------------------------------------------------- tracing
class _TemporalShiftPruningFunc(tp.pruner.BasePruningFunc):
    """Joins a shift's input and output channels into one group; the
    shift is always an ignored layer, so that group is never pruned."""

    def prune_out_channels(self, layer: nn.Module, idxs: Sequence[int]):
        raise RuntimeError('the channels around a TemporalShift cannot be '
                           'pruned (fixed shift folds)')

    prune_in_channels = prune_out_channels

    def get_out_channels(self, layer: nn.Module) -> None:
        return None

    get_in_channels = get_out_channels


class _TemporalConvPruningFunc(tp.pruner.BasePruningFunc):
    """Prunes a :class:`DepthwiseTemporalConv` like a depthwise conv."""

    def prune_out_channels(self, layer: nn.Module,
                           idxs: Sequence[int]) -> nn.Module:
        keep = sorted(set(range(layer.channels)) - set(idxs))
        conv = layer.conv
        conv.weight = self._prune_parameter_and_grad(conv.weight, keep, 0)
        if conv.bias is not None:
            conv.bias = self._prune_parameter_and_grad(conv.bias, keep, 0)
        conv.in_channels = conv.out_channels = conv.groups = len(keep)
        layer.channels = len(keep)
        return layer

    prune_in_channels = prune_out_channels

    def get_out_channels(self, layer: nn.Module) -> int:
        return layer.channels

    get_in_channels = get_out_channels


_CUSTOMIZED = {
    TemporalShift: _TemporalShiftPruningFunc(),
    DepthwiseTemporalConv: _TemporalConvPruningFunc(),
}


def customized_pruners() -> Dict[type, tp.pruner.BasePruningFunc]:
    """torch-pruning's ``customized_pruners``: mmlight's temporal layers.

    Returns:
        dict: ``{layer type: pruning function}`` (a new dict each call).
    """
    return dict(_CUSTOMIZED)


@contextlib.contextmanager
def tracing(model: nn.Module) -> Iterator[None]:
    """The context in which torch-pruning may trace ``model``.

    Temporal layers run as channel-wise identities: their reshapes to
    ``(N, T, C, HW)`` would otherwise reach the tracer, which reads slices
    over ``T`` as slices over channels; each stays one graph node with its
    own pruning function. Gradients are on (the tracer follows ``grad_fn``),
    torch-pruning's "Unwrapped param" warnings are silenced and the model's
    train/eval mode is restored on exit.
    """
    patched = {m: m.__dict__.get('forward') for m in model.modules()
               if isinstance(m, (TemporalShift, DepthwiseTemporalConv))}
    for m in patched:
        m.forward = lambda x: x * 1.0
    was_training = model.training
    try:
        with torch.enable_grad(), warnings.catch_warnings():
            warnings.filterwarnings('ignore', message='.*Unwrapped param')
            yield
    finally:
        for m, own in patched.items():
            if own is None:
                del m.forward
            else:
                m.forward = own
        model.train(was_training)


def default_forward(model: nn.Module, inputs: Any) -> Any:
    """A recognizer's ``mode='tensor', stage='head'`` forward (the class
    scores), ``mode='tensor'`` for other MMEngine models, else
    ``model(inputs)``; see :class:`~mmlight.measure.TensorForward`."""
    return TensorForward(model)(inputs)


def build_dependency_graph(
        model: nn.Module,
        example_inputs: Any,
        forward_fn: Optional[ForwardFn] = None) -> tp.DependencyGraph:
    """torch-pruning's dependency graph, temporal layers handled.

    Args:
        model: The model (e.g. a recognizer); its mode is restored.
        example_inputs: Inputs for one traced forward, e.g. ``(N, T, C, H,
            W)`` clips of a ``Recognizer2D``.
        forward_fn: ``forward_fn(model, example_inputs)``. Defaults to
            :func:`default_forward`.

    Returns:
        tp.DependencyGraph: The built graph.
    """
    with tracing(model):
        return tp.DependencyGraph().build_dependency(
            model, example_inputs, forward_fn or default_forward,
            customized_pruners=customized_pruners(), verbose=False)


# ---------------------------------------------------------- unprunable
def _is_head(name: str, module: nn.Module) -> bool:
    return isinstance(module, BaseHead) or name.split('.')[-1] == 'cls_head'


def structural_layers(model: nn.Module) -> Dict[nn.Module, Tuple[str, bool]]:
    """Layers left alone by type: ``{module: (reason, whole)}``.

    ``whole``: no channel it touches, input or output, may be pruned;
    otherwise only its output channels are kept.
    """
    found: Dict[nn.Module, Tuple[str, bool]] = {}
    covered: set = set()

    def freeze(module: nn.Module, reason: str, whole: bool = True) -> None:
        found[module] = (reason, whole)
        covered.update(id(m) for m in module.modules())

    named = list(model.named_modules())
    for name, m in named:
        if not _is_head(name, m) or id(m) in covered:
            continue
        attn = [type(s).__name__ for s in m.modules()
                if isinstance(s, _ATTENTION_TYPES)]
        if attn:
            freeze(m, f'attention head ({type(m).__name__} with '
                   f'{attn[0]}): attention heads are left whole, inputs '
                   'included')
            continue
        layers = [s for s in m.modules() if isinstance(s, (_ConvNd,
                                                          nn.Linear))]
        classifier = getattr(m, 'fc_cls', None)
        if not isinstance(classifier, (_ConvNd, nn.Linear)) and layers:
            classifier = layers[-1]
        if classifier is not None:
            found[classifier] = (f'classifier of {type(m).__name__}: its '
                                 'outputs are the class scores', False)
    for name, m in named:
        if id(m) in covered:
            continue
        if isinstance(m, _ATTENTION_TYPES):
            freeze(m, f'attention ({type(m).__name__}) is left whole')
        elif isinstance(m, TemporalShift):
            freeze(m, f'TemporalShift (shift_div={m.shift_div}) moves the '
                   'fixed channel folds [0, C/d) and [C/d, 2C/d) between '
                   'frames: the channels that reach it (a TSM residual '
                   'stream) keep their positions')
    for name, m in named:
        if id(m) in covered or isinstance(m, SUPPORTED_TYPES):
            continue
        if any(p is not None for p in m._parameters.values()):
            freeze(m, f'{type(m).__name__} holds parameters that '
                   'torch-pruning has no pruning function for')
    return found


def propagate_unprunable(dg: tp.DependencyGraph,
                         structural: Dict[nn.Module, Tuple[str, bool]],
                         root_types: Sequence[type]) -> Dict[nn.Module, str]:
    """Every traced layer that shares channels with a structural one.

    Args:
        dg: The traced graph.
        structural: :func:`structural_layers` of its model.
        root_types: The layer types whose groups are looked at.

    Returns:
        dict: ``{module: reason}``, the structural layers themselves left
        out.
    """
    names = {m: n for n, m in dg.model.named_modules()}
    cause_of: Dict[int, nn.Module] = {}
    out_only: Dict[int, nn.Module] = {}
    for module, (_, whole) in structural.items():
        if not whole:
            out_only[id(module)] = module
            continue
        for sub in module.modules():
            cause_of[id(sub)] = module
        for p in module.parameters():
            cause_of[id(p)] = module
    found: Dict[nn.Module, str] = {}
    for group in dg.get_all_groups(root_module_types=tuple(root_types)):
        cause = None
        for dep, _ in group:
            target = dep.target.module
            is_out = dg.is_out_channel_pruning_fn(dep.handler)
            cause = cause_of.get(id(target))
            if cause is None and is_out:
                cause = out_only.get(id(target))
            if cause is not None:
                break
        if cause is None:
            continue
        reason = f'shares channels with {names.get(cause, cause)}: ' + \
            structural[cause][0]
        for dep, _ in group:
            target = dep.target.module
            if dg.is_out_channel_pruning_fn(dep.handler) \
                    and target in names and target not in structural:
                found.setdefault(target, reason)
    return found


def find_unprunable_layers(
        model: nn.Module,
        example_inputs: Any = None,
        forward_fn: Optional[ForwardFn] = None) -> Dict[nn.Module, str]:
    """Layers whose output channels must not be pruned, with the reason.

    By type: each head's classifier (``fc_cls``, else its last conv/linear
    layer); every :class:`TemporalShift`; whole attention heads (any head
    holding an ``nn.MultiheadAttention``, mmlight's
    :class:`MultiheadSelfAttention` or :class:`TransformerBlock`) and
    attention modules elsewhere; any other module type with parameters that
    torch-pruning cannot prune. With ``example_inputs`` the model is traced
    and every layer that shares channels with those is added, e.g. the
    convs and BatchNorms writing a TSM network's residual stream, or the
    last backbone conv feeding an attention head.

    Args:
        model: The model.
        example_inputs: Inputs for tracing, see
            :func:`build_dependency_graph`; None lists by type only.
            Defaults to None.
        forward_fn: See :func:`build_dependency_graph`. Defaults to None.

    Returns:
        dict: ``{module: reason}``.
    """
    structural = structural_layers(model)
    found = {m: reason for m, (reason, _) in structural.items()}
    if example_inputs is not None:
        dg = build_dependency_graph(model, example_inputs, forward_fn)
        for m, reason in propagate_unprunable(
                dg, structural, (_ConvNd, nn.Linear)).items():
            found.setdefault(m, reason)
    return found


def resolve_module(model: nn.Module, name: str, what: str) -> nn.Module:
    """``model.get_submodule(name)``, failing with close matches.

    Args:
        model: The model.
        name: A name as in ``model.named_modules()``.
        what: What names it (e.g. ``'ignored_layers'``), for the error.

    Returns:
        nn.Module: The submodule.

    Raises:
        ValueError: Naming ``what``, the name and the closest module names.
    """
    names = [n for n, _ in model.named_modules() if n]
    if name not in names:
        close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
        raise ValueError(f'{what}: the model has no module {name!r}; '
                         f'close matches: {close or "none"}')
    return model.get_submodule(name)
