"""Structured channel pruning of video models with torch-pruning.

torch-pruning traces a model once and groups the layers whose channels must
be removed together (a conv, its BatchNorm, the next conv's inputs, every
layer joined by a residual add or a squeeze-excitation product). This module
adds what video models need on top of it:

* mmlight's temporal layers are opaque to the tracer: :class:`TemporalShift`
  slices ``(N, T, C, HW)`` views and :class:`DepthwiseTemporalConv` convolves
  a transposed view. While the graph is traced both run as a channel-wise
  identity, and both have their own pruning functions: a temporal conv is
  depthwise, so it is pruned with the channels it follows; a temporal shift
  moves the fixed folds ``[0, C/d)`` and ``[C/d, 2C/d)`` of its input, so the
  channels that reach it (the residual stream of a TSM network) are never
  pruned.
* :func:`find_unprunable_layers` names every layer left alone and why
  (classifier, temporal shift, attention heads, unknown parameterised types).
* :func:`pruned_shapes` / :func:`apply_pruned_shapes` describe the pruned
  architecture in plain ints and strings, so a checkpoint that
  ``torch.load(weights_only=True)`` reads can rebuild it.

Unstructured pruning (:func:`apply_unstructured_pruning`) is here too; it only
zeroes weights.
"""
import contextlib
import difflib
import warnings
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Optional,
                    Sequence, Tuple)

import torch
import torch.nn as nn
import torch_pruning as tp
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd
from torch.nn.utils import prune

from mmlight.models.layers import (DepthwiseTemporalConv,
                                   MultiheadSelfAttention, TemporalShift,
                                   TransformerBlock)

__all__ = [
    'ChannelPruner', 'find_unprunable_layers', 'build_dependency_graph',
    'accumulate_gradients', 'rebind_optimizer_params', 'pruned_shapes',
    'apply_pruned_shapes', 'apply_unstructured_pruning', 'zero_masks',
    'apply_masks', 'format_report', 'resolve_module', 'PRUNED_SHAPES_FORMAT'
]

#: ``format`` and ``version`` of :func:`pruned_shapes`' description.
PRUNED_SHAPES_FORMAT = ('mmlight.pruned_shapes', 1)
_IMPORTANCES = ('magnitude', 'bn_scale', 'taylor')
_ATTENTION_TYPES = (nn.MultiheadAttention, MultiheadSelfAttention,
                    TransformerBlock)
# Types torch-pruning has pruning functions for (and ours).
_SUPPORTED_TYPES = (_ConvNd, _BatchNorm, nn.Linear, nn.LayerNorm,
                    nn.GroupNorm, nn.modules.instancenorm._InstanceNorm,
                    nn.PReLU, nn.Embedding, nn.LSTM, nn.MultiheadAttention,
                    DepthwiseTemporalConv)
# Channel attributes that pruning changes (recorded by `pruned_shapes`).
_SHAPE_ATTRS = ('in_channels', 'out_channels', 'groups', 'num_features',
                'in_features', 'out_features', 'embed_dim', 'kdim', 'vdim',
                'head_dim', 'num_heads', 'channels', 'num_channels',
                'normalized_shape', 'input_size', 'hidden_size',
                'mid_channels')
ForwardFn = Callable[[nn.Module, Any], Any]


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


@contextlib.contextmanager
def _trace_stand_ins(model: nn.Module) -> Iterator[None]:
    """Run temporal layers as channel-wise identities while tracing.

    Their reshapes to ``(N, T, C, HW)`` would otherwise reach the tracer,
    which reads slices over ``T`` as slices over channels. Each layer stays
    one graph node with its own pruning function.
    """
    patched = {m: m.__dict__.get('forward') for m in model.modules()
               if isinstance(m, (TemporalShift, DepthwiseTemporalConv))}
    for m in patched:
        m.forward = lambda x: x * 1.0
    try:
        yield
    finally:
        for m, own in patched.items():
            if own is None:
                del m.forward
            else:
                m.forward = own


def _default_forward(model: nn.Module, inputs: Any) -> Any:
    from mmlight.measure.complexity import TensorForward
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
        forward_fn: ``forward_fn(model, example_inputs)``. Defaults to a
            recognizer's ``mode='tensor', stage='head'`` forward (the class
            scores), ``mode='tensor'`` for other MMEngine models, else
            ``model(example_inputs)``.

    Returns:
        tp.DependencyGraph: The built graph.
    """
    was_training = model.training
    try:
        with _trace_stand_ins(model), torch.enable_grad(), \
                warnings.catch_warnings():
            warnings.filterwarnings('ignore', message='.*Unwrapped param')
            return tp.DependencyGraph().build_dependency(
                model, example_inputs, forward_fn or _default_forward,
                customized_pruners=dict(_CUSTOMIZED), verbose=False)
    finally:
        model.train(was_training)


# ---------------------------------------------------------- unprunable
def _is_head(name: str, module: nn.Module) -> bool:
    from mmaction.models.heads.base import BaseHead
    return isinstance(module, BaseHead) or name.split('.')[-1] == 'cls_head'


def _structural(model: nn.Module) -> Dict[nn.Module, Tuple[str, bool]]:
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
        if id(m) in covered or isinstance(m, _SUPPORTED_TYPES):
            continue
        if any(p is not None for p in m._parameters.values()):
            freeze(m, f'{type(m).__name__} holds parameters that '
                   'torch-pruning has no pruning function for')
    return found


def _propagate(dg: tp.DependencyGraph,
               structural: Dict[nn.Module, Tuple[str, bool]],
               root_types: Sequence[type]) -> Dict[nn.Module, str]:
    """Every traced layer that shares channels with a structural one."""
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
    structural = _structural(model)
    found = {m: reason for m, (reason, _) in structural.items()}
    if example_inputs is not None:
        dg = build_dependency_graph(model, example_inputs, forward_fn)
        for m, reason in _propagate(dg, structural,
                                    (_ConvNd, nn.Linear)).items():
            found.setdefault(m, reason)
    return found


def resolve_module(model: nn.Module, name: str, what: str) -> nn.Module:
    """``model.get_submodule(name)``, failing with close matches.

    Raises:
        ValueError: Naming ``what``, the name and the closest module names.
    """
    names = [n for n, _ in model.named_modules() if n]
    if name not in names:
        close = difflib.get_close_matches(name, names, n=5, cutoff=0.5)
        raise ValueError(f'{what}: the model has no module {name!r}; '
                         f'close matches: {close or "none"}')
    return model.get_submodule(name)


# -------------------------------------------------------------- pruner
def _check_ratio(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not 0.0 <= value < 1.0:
        raise ValueError(f'`{name}` must be a float in [0, 1), got '
                         f'{value!r}')
    return float(value)


class _Traced(nn.Module):
    """``forward_fn(model, x)`` as a module, for MMEngine's FLOP counter."""

    def __init__(self, model: nn.Module, forward_fn: ForwardFn) -> None:
        super().__init__()
        self.model = model
        self.forward_fn = forward_fn

    def forward(self, x: Any) -> Any:
        return self.forward_fn(self.model, x)


def _complexity(model: nn.Module, inputs: Any,
                forward_fn: ForwardFn) -> Dict[str, Optional[float]]:
    """Parameters and FLOPs (MMEngine's count: 1 MAC = 1 FLOP) of one
    sample (the first of a batched tensor)."""
    from mmengine.analysis import FlopAnalyzer
    params = sum(p.numel() for p in model.parameters())
    if isinstance(inputs, torch.Tensor):
        inputs = inputs[:1]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            analyzer = FlopAnalyzer(_Traced(model, forward_fn), (inputs, ))
            analyzer.unsupported_ops_warnings(False)
            analyzer.uncalled_modules_warnings(False)
            flops = float(analyzer.total())
    except Exception as e:  # a forward the jit tracer cannot follow
        warnings.warn(f'FLOPs not counted: {e}')
        flops = None
    finally:
        model.train(was_training)
    return dict(params=params, flops=flops)


def _channel_counts(model: nn.Module) -> Dict[str, Dict[str, int]]:
    counts = {}
    for name, m in model.named_modules():
        if isinstance(m, _SUPPORTED_TYPES):
            attrs = {a: v for a, v in vars(m).items()
                     if a in _SHAPE_ATTRS and type(v) is int}
            if attrs:
                counts[name] = attrs
    return counts


class ChannelPruner:
    """Structured channel pruning of a video model (torch-pruning inside).

    Removes whole channels (conv filters with their BatchNorm entries and
    the matching inputs of the next layers), so the pruned model is a
    smaller dense model: it runs faster everywhere, unlike zeroed weights.
    :meth:`attach` traces the model; each :meth:`step` removes the
    channels of one of ``iterative_steps`` steps (prune, fine-tune, prune
    ...), the ratio growing linearly to ``pruning_ratio``. Layers listed by
    :func:`find_unprunable_layers` and ``ignored_layers`` keep their output
    channels; :meth:`report` lists them with the reasons.

    Args:
        importance: How channels are ranked: ``'magnitude'`` (L2 norm of
            all weights of a channel's group), ``'bn_scale'`` (``|gamma|``
            of its BatchNorms, Network Slimming; groups without a BatchNorm,
            such as squeeze-excitation bottlenecks, are kept) or
            ``'taylor'`` (``|w * dL/dw|``; needs gradients, see
            :meth:`step`). Defaults to ``'magnitude'``.
        pruning_ratio: Fraction of the channels of each prunable group
            removed after the last step, in ``[0, 1)``; FLOPs drop less, as
            the layers kept whole keep theirs. Defaults to 0.5.
        global_pruning: Rank the channels of all groups together (groups
            lose different fractions, ``pruning_ratio`` overall) instead of
            each group alone. Defaults to False.
        round_to: Round each group's kept channels down to a multiple of
            this (hardware-friendly widths; a little more than the ratio
            goes; a group that would keep none is not pruned). Defaults to
            None.
        iterative_steps: Number of :meth:`step` calls. Defaults to 1.
        ignored_layers: Names (as in ``model.named_modules()``) of layers
            whose output channels are kept, e.g. ``('backbone.model.
            features.0.0', )``. Defaults to ().
        pruning_ratio_dict: ``{module name: ratio}`` overriding
            ``pruning_ratio`` for those layers. Defaults to None.
        max_pruning_ratio: No layer loses more than this fraction of its
            channels (matters for global pruning). Defaults to 0.9.

    Examples:
        >>> pruner = ChannelPruner('magnitude', pruning_ratio=0.5)
        >>> pruner.attach(recognizer, torch.randn(2, 8, 3, 48, 64))
        >>> report = pruner.step()
        >>> report['flops_after'] < report['flops_before']
        True
    """

    def __init__(self,
                 importance: str = 'magnitude',
                 pruning_ratio: float = 0.5,
                 global_pruning: bool = False,
                 round_to: Optional[int] = None,
                 iterative_steps: int = 1,
                 ignored_layers: Sequence[str] = (),
                 pruning_ratio_dict: Optional[Dict[str, float]] = None,
                 max_pruning_ratio: float = 0.9) -> None:
        if importance not in _IMPORTANCES:
            raise ValueError(f'`importance` must be one of {_IMPORTANCES}, '
                             f'got {importance!r}')
        if round_to is not None and (isinstance(round_to, bool) or
                                     not isinstance(round_to, int)
                                     or round_to < 1):
            raise ValueError('`round_to` must be None or an int >= 1, got '
                             f'{round_to!r}')
        if isinstance(iterative_steps, bool) \
                or not isinstance(iterative_steps, int) \
                or iterative_steps < 1:
            raise ValueError('`iterative_steps` must be an int >= 1, got '
                             f'{iterative_steps!r}')
        if isinstance(ignored_layers, str) or not all(
                isinstance(n, str) for n in ignored_layers):
            raise ValueError('`ignored_layers` must be a sequence of module '
                             f'names, got {ignored_layers!r}')
        if isinstance(max_pruning_ratio, bool) or not isinstance(
                max_pruning_ratio, (int, float)) \
                or not 0.0 < max_pruning_ratio <= 1.0:
            raise ValueError('`max_pruning_ratio` must be in (0, 1], got '
                             f'{max_pruning_ratio!r}')
        self.importance = importance
        self.pruning_ratio = _check_ratio('pruning_ratio', pruning_ratio)
        self.pruning_ratio_dict = {
            str(k): _check_ratio(f'pruning_ratio_dict[{k!r}]', v)
            for k, v in (pruning_ratio_dict or {}).items()
        }
        self.global_pruning = bool(global_pruning)
        self.round_to = round_to
        self.iterative_steps = iterative_steps
        self.ignored_layers = tuple(ignored_layers)
        self.max_pruning_ratio = float(max_pruning_ratio)
        self.steps_done = 0
        self.model: Optional[nn.Module] = None
        self._pruner: Optional[tp.pruner.BasePruner] = None
        self._skipped: Dict[str, str] = {}
        self._before: Dict[str, Optional[float]] = {}
        self._after: Dict[str, Optional[float]] = {}
        self._channels: Dict[str, Dict[str, int]] = {}

    def check_names(self, model: nn.Module) -> None:
        """Fail now if ``ignored_layers`` / ``pruning_ratio_dict`` name a
        module ``model`` lacks (ValueError with close matches)."""
        for name in self.ignored_layers:
            resolve_module(model, name, 'ignored_layers')
        for name in self.pruning_ratio_dict:
            resolve_module(model, name, 'pruning_ratio_dict')

    def _make_importance(self) -> tp.importance.Importance:
        if self.importance == 'magnitude':
            return tp.importance.GroupMagnitudeImportance(p=2)
        if self.importance == 'bn_scale':
            return tp.importance.BNScaleImportance()
        return tp.importance.GroupTaylorImportance()

    def attach(self,
               model: nn.Module,
               example_inputs: Any,
               forward_fn: Optional[ForwardFn] = None,
               steps_done: int = 0) -> None:
        """Trace ``model`` and set up the pruning steps.

        Args:
            model: The model to prune in place (its modules keep their
                identity; pruned ones get new, smaller ``Parameter``s).
            example_inputs: Inputs of one forward, e.g. ``(N, T, C, H, W)``
                clips of a ``Recognizer2D`` after its data preprocessor.
            forward_fn: See :func:`build_dependency_graph`. Defaults to
                None.
            steps_done: Steps already applied to ``model`` (a resumed run):
                the remaining steps then reach the same final ratios.
                Defaults to 0.

        Raises:
            ValueError: A name in ``ignored_layers``/``pruning_ratio_dict``
                is not a module of ``model``, or ``steps_done`` is not in
                ``[0, iterative_steps)``.
        """
        self.check_names(model)
        if not 0 <= steps_done < self.iterative_steps:
            raise ValueError(f'`steps_done` must be in [0, '
                             f'{self.iterative_steps}), got {steps_done}')
        done = steps_done / self.iterative_steps

        def remaining(ratio: float) -> float:
            # linear schedule: what is left of `ratio` after `done` of it
            return (ratio - ratio * done) / (1.0 - ratio * done)

        user = [resolve_module(model, n, 'ignored_layers')
                for n in self.ignored_layers]
        ratio_dict = {
            resolve_module(model, n, 'pruning_ratio_dict'): remaining(r)
            for n, r in self.pruning_ratio_dict.items()
        }
        structural = _structural(model)
        self.model = model
        self._forward_fn = forward_fn or _default_forward
        self._inputs = example_inputs
        was_training = model.training
        try:
            with _trace_stand_ins(model), torch.enable_grad(), \
                    warnings.catch_warnings():
                warnings.filterwarnings('ignore', message='.*Unwrapped param')
                self._pruner = tp.pruner.BasePruner(
                    model,
                    example_inputs,
                    importance=self._make_importance(),
                    global_pruning=self.global_pruning,
                    pruning_ratio=remaining(self.pruning_ratio),
                    pruning_ratio_dict=ratio_dict,
                    max_pruning_ratio=self.max_pruning_ratio,
                    iterative_steps=self.iterative_steps - steps_done,
                    ignored_layers=user + list(structural),
                    round_to=self.round_to,
                    customized_pruners=dict(_CUSTOMIZED),
                    forward_fn=self._forward_fn)
        finally:
            model.train(was_training)
        propagated = _propagate(self._pruner.DG, structural,
                                self._pruner.root_module_types)
        # torch-pruning only skips groups whose *output* side is ignored;
        # groups feeding a whole-kept module are blocked here
        self._pruner.ignored_layers.extend(propagated)
        names = {m: n for n, m in model.named_modules()}
        self._skipped = {names[m]: 'in ignored_layers' for m in user}
        self._skipped.update(
            (names[m], reason) for m, (reason, _) in structural.items())
        self._skipped.update((names[m], r) for m, r in propagated.items())
        self.steps_done = steps_done
        self._channels = _channel_counts(model)
        self._before = _complexity(model, example_inputs, self._forward_fn)
        self._after = dict(self._before)

    def step(self) -> Dict[str, Any]:
        """Run the next pruning step.

        With ``importance='taylor'`` the caller first runs a backward pass
        on training batches (:func:`accumulate_gradients`). All gradients
        are cleared afterwards (pruned parameters are new ``Parameter``
        objects: rebind an optimizer with :func:`rebind_optimizer_params`).

        Returns:
            dict: :meth:`report`.

        Raises:
            RuntimeError: Before :meth:`attach`, after the last step, or for
                ``'taylor'`` without gradients.
        """
        if self._pruner is None or self.model is None:
            raise RuntimeError('ChannelPruner.attach(model, ...) first')
        if self.steps_done >= self.iterative_steps:
            raise RuntimeError(f'all {self.iterative_steps} pruning steps '
                               'are done')
        if self.importance == 'taylor':
            if all(p.grad is None for p in self.model.parameters()):
                raise RuntimeError(
                    "importance='taylor' needs gradients: run a backward "
                    'pass on training batches (accumulate_gradients) '
                    'before step()')
            for p in self.model.parameters():
                if p.grad is None:  # frozen or unused: ranks last
                    p.grad = torch.zeros_like(p)
        was_training = self.model.training
        self._pruner.step()
        self.model.train(was_training)
        self.steps_done += 1
        for p in self.model.parameters():
            p.grad = None
        self._after = _complexity(self.model, self._inputs, self._forward_fn)
        return self.report()

    def report(self) -> Dict[str, Any]:
        """What the steps so far did, JSON-safe.

        Returns:
            dict: ``params_before``/``params_after`` (int) and
            ``flops_before``/``flops_after`` (float, one sample; None if the
            forward could not be traced) measured at :meth:`attach` and
            after the last step, their relative ``*_reduction``,
            ``channels`` (``{layer: {attribute: [before, after]}}`` of the
            layers that changed), ``skipped`` (``{layer: reason}``),
            ``steps_done`` and ``iterative_steps``.
        """
        now = _channel_counts(self.model) if self.model is not None else {}
        channels = {}
        for name, attrs in self._channels.items():
            changed = {a: [v, now.get(name, {}).get(a, v)]
                       for a, v in attrs.items()
                       if now.get(name, {}).get(a, v) != v}
            if changed:
                channels[name] = changed

        def reduction(key: str) -> Optional[float]:
            b, a = self._before.get(key), self._after.get(key)
            return None if not b or a is None else 1.0 - a / b

        return dict(
            importance=self.importance,
            pruning_ratio=self.pruning_ratio,
            global_pruning=self.global_pruning,
            steps_done=self.steps_done,
            iterative_steps=self.iterative_steps,
            params_before=self._before.get('params'),
            params_after=self._after.get('params'),
            params_reduction=reduction('params'),
            flops_before=self._before.get('flops'),
            flops_after=self._after.get('flops'),
            flops_reduction=reduction('flops'),
            channels=channels,
            skipped=dict(self._skipped))


def format_report(report: Dict[str, Any]) -> str:
    """One log paragraph of :meth:`ChannelPruner.report`."""

    def num(v: Optional[float]) -> str:
        return 'n/a' if v is None else f'{v / 1e6:.3f}M'

    def pct(v: Optional[float]) -> str:
        return 'n/a' if v is None else f'-{100 * v:.1f}%'

    lines = [
        f'channel pruning step {report["steps_done"]}/'
        f'{report["iterative_steps"]} ({report["importance"]}, ratio '
        f'{report["pruning_ratio"]}): params {num(report["params_before"])}'
        f' -> {num(report["params_after"])} '
        f'({pct(report["params_reduction"])}), FLOPs '
        f'{num(report["flops_before"])} -> {num(report["flops_after"])} '
        f'({pct(report["flops_reduction"])}); '
        f'{len(report["channels"])} layers narrowed'
    ]
    lines += [f'  {name}: ' + ', '.join(f'{a} {b}->{c}'
                                        for a, (b, c) in attrs.items())
              for name, attrs in report['channels'].items()]
    lines.append(f'{len(report["skipped"])} layers keep their output '
                 'channels:')
    lines += [f'  {name}: {reason}'
              for name, reason in report['skipped'].items()]
    return '\n'.join(lines)


# ------------------------------------------------- gradients, optimizer
def accumulate_gradients(model: nn.Module, batches: Iterable,
                         loss_fn: Callable[[nn.Module, Any],
                                           torch.Tensor]) -> int:
    """Sum the gradients of ``loss_fn`` over ``batches`` (for Taylor
    importance); earlier gradients are cleared first.

    Args:
        model: The model.
        batches: Training batches.
        loss_fn: ``loss_fn(model, batch)`` -> scalar loss.

    Returns:
        int: Number of batches used.

    Raises:
        ValueError: If ``batches`` is empty.
    """
    for p in model.parameters():
        p.grad = None
    count = 0
    with torch.enable_grad():
        for batch in batches:
            loss_fn(model, batch).backward()
            count += 1
    if count == 0:
        raise ValueError('accumulate_gradients: no batches given')
    return count


def rebind_optimizer_params(optimizer: torch.optim.Optimizer,
                            names_before: Dict[int, str],
                            named_params: Dict[str, nn.Parameter]
                            ) -> List[str]:
    """Point an optimizer at the ``Parameter`` objects that replaced the
    ones it holds (pruning creates new ones).

    Args:
        optimizer: The optimizer; its ``param_groups`` and ``state`` are
            changed in place.
        names_before: ``{id(old parameter): name}`` taken before the
            parameters were replaced.
        named_params: ``dict(model.named_parameters())`` now.

    Returns:
        list[str]: Names of the parameters whose optimizer state (e.g.
        Adam's moments) was dropped because its shape changed; their
        statistics restart.
    """
    dropped = []
    for group in optimizer.param_groups:
        params = []
        for old in group['params']:
            name = names_before.get(id(old))
            new = named_params.get(name) if name is not None else old
            if new is None:  # removed from the model: leave the group
                optimizer.state.pop(old, None)
                continue
            if new is not old:
                state = optimizer.state.pop(old, None)
                if state and all(
                        not isinstance(v, torch.Tensor) or v.dim() == 0
                        or v.shape == new.shape for v in state.values()):
                    optimizer.state[new] = state
                elif state:
                    dropped.append(name)
            params.append(new)
        group['params'] = params
    return dropped


# -------------------------------------------------------------- shapes
def pruned_shapes(model: nn.Module) -> Dict[str, Any]:
    """The shapes a pruned model needs, as ints, strings and lists.

    For every module with parameters, persistent buffers or channel
    attributes (``in_channels``, ``out_channels``, ``groups``,
    ``num_features``, ``in_features``, ``channels``...): their shapes and
    values. It is safe in an MMEngine checkpoint's ``meta`` (read with
    ``torch.load(weights_only=True)``); :func:`apply_pruned_shapes` rebuilds
    the architecture from it.

    Args:
        model: A (pruned) model.

    Returns:
        dict: ``format``, ``version`` and ``modules`` (``{name: {'params':
        {attr: shape}, 'buffers': {attr: shape}, 'attrs': {attr: value}}}``).
    """
    modules = {}
    for name, m in model.named_modules():
        entry: Dict[str, Dict[str, Any]] = {}
        params = {k: list(p.shape) for k, p in m._parameters.items()
                  if p is not None}
        buffers = {k: list(b.shape) for k, b in m._buffers.items()
                   if b is not None
                   and k not in m._non_persistent_buffers_set}
        attrs = {}
        for a, v in vars(m).items():
            if a not in _SHAPE_ATTRS or isinstance(v, bool):
                continue
            if isinstance(v, int):
                attrs[a] = int(v)
            elif isinstance(v, (tuple, list)) and v and all(
                    type(i) is int for i in v):
                attrs[a] = [int(i) for i in v]
        for key, value in (('params', params), ('buffers', buffers),
                           ('attrs', attrs)):
            if value:
                entry[key] = value
        if entry:
            modules[name] = entry
    return dict(format=PRUNED_SHAPES_FORMAT[0],
                version=PRUNED_SHAPES_FORMAT[1], modules=modules)


def apply_pruned_shapes(model: nn.Module, shapes: Dict[str, Any]) -> List[str]:
    """Reshape a freshly built model to :func:`pruned_shapes`' description.

    Parameters and buffers whose shape differs are replaced by new
    zero-filled ones of the recorded shape (same dtype, device and
    ``requires_grad``) and channel attributes are set, so that
    ``model.load_state_dict(pruned_state_dict, strict=True)`` then works.
    Replaced parameters are new objects: rebind an optimizer that holds the
    old ones (:func:`rebind_optimizer_params`).

    Args:
        model: A model built from the unpruned config.
        shapes: :func:`pruned_shapes` of the pruned model.

    Returns:
        list[str]: Names of the modules that changed.

    Raises:
        ValueError: On another format or version, or a module, parameter
            or buffer the model does not have.
    """
    if not isinstance(shapes, dict) or (
            shapes.get('format'), shapes.get('version')) != \
            PRUNED_SHAPES_FORMAT:
        raise ValueError(
            f'not a pruned-shapes description of format '
            f'{PRUNED_SHAPES_FORMAT}: got format={shapes.get("format")!r}, '
            f'version={shapes.get("version")!r}' if isinstance(shapes, dict)
            else f'pruned shapes must be a dict, got {type(shapes).__name__}')
    changed = []
    for name, entry in shapes['modules'].items():
        m = resolve_module(model, name, 'pruned shapes') if name else model
        touched = False
        for kind, store in (('params', m._parameters),
                            ('buffers', m._buffers)):
            for key, shape in entry.get(kind, {}).items():
                old = store.get(key)
                if old is None:
                    raise ValueError(f'pruned shapes: {name or "<model>"} '
                                     f'has no {kind[:-1]} {key!r}')
                if list(old.shape) == list(shape):
                    continue
                new = torch.zeros(shape, dtype=old.dtype, device=old.device)
                store[key] = nn.Parameter(
                    new, requires_grad=old.requires_grad) \
                    if kind == 'params' else new
                touched = True
        for a, v in entry.get('attrs', {}).items():
            current = getattr(m, a, None)
            value = tuple(v) if isinstance(current, tuple) else v
            if current != value:
                setattr(m, a, value)
                touched = True
        if touched:
            changed.append(name)
    return changed


# --------------------------------------------------------- unstructured
def apply_unstructured_pruning(
        model: nn.Module,
        amount: float,
        layer_types: Sequence[type] = (nn.Conv2d, nn.Conv3d, nn.Linear)
) -> float:
    """Zero the ``amount`` smallest-magnitude weights of all ``layer_types``
    layers together (global L1, ``torch.nn.utils.prune``), permanently.

    Note:
        The tensors keep their shapes: dense kernels run exactly as fast
        (only sparse kernels or compression gain from the zeros); structured
        :class:`ChannelPruner` is what makes a model faster. The weights are
        new ``Parameter`` objects afterwards (``prune.remove``); zeros stay
        zero during fine-tuning only if masked again (:func:`zero_masks`,
        :func:`apply_masks`).

    Args:
        model: The model, pruned in place.
        amount: Fraction of those weights to zero, in ``[0, 1)``.
        layer_types: Layer types whose ``weight`` is pruned. Defaults to
            ``(nn.Conv2d, nn.Conv3d, nn.Linear)``.

    Returns:
        float: The achieved fraction of zeros in those weights.
    """
    amount = _check_ratio('amount', amount)
    targets = [(m, 'weight') for m in model.modules()
               if isinstance(m, tuple(layer_types))
               and isinstance(getattr(m, 'weight', None), nn.Parameter)]
    if not targets:
        raise ValueError(f'no layer of types {tuple(layer_types)} to prune')
    if amount > 0:
        prune.global_unstructured(
            targets, pruning_method=prune.L1Unstructured, amount=amount)
        for m, attr in targets:
            prune.remove(m, attr)
    zeros = sum(int((m.weight == 0).sum()) for m, _ in targets)
    return zeros / sum(m.weight.numel() for m, _ in targets)


def zero_masks(
    model: nn.Module,
    layer_types: Sequence[type] = (nn.Conv2d, nn.Conv3d, nn.Linear)
) -> Dict[str, torch.Tensor]:
    """``{layer name: weight == 0}`` of the layers that have zeros."""
    return {
        name: m.weight.detach() == 0
        for name, m in model.named_modules()
        if isinstance(m, tuple(layer_types))
        and isinstance(getattr(m, 'weight', None), torch.Tensor)
        and bool((m.weight == 0).any())
    }


@torch.no_grad()
def apply_masks(model: nn.Module, masks: Dict[str, torch.Tensor]) -> None:
    """Zero the masked weights again (after an optimizer step)."""
    for name, mask in masks.items():
        model.get_submodule(name).weight.masked_fill_(mask, 0)
