"""Structured channel pruning of video models: :class:`ChannelPruner`.

torch-pruning removes the channels; which layers are grouped and which are
left alone is :mod:`.dependency`'s. The pruner ranks channels (magnitude,
BatchNorm scale or Taylor), runs iterative steps towards a final ratio,
counts parameters and FLOPs before and after and reports what changed
(:func:`format_report` writes the report as a log paragraph).
:func:`accumulate_gradients` gives Taylor importance its gradients.
"""
import warnings
from typing import Any, Callable, Dict, Iterable, Optional, Sequence

import torch
import torch.nn as nn
import torch_pruning as tp
from mmengine.analysis import FlopAnalyzer

from mmlight.compression.pruning.dependency import (SUPPORTED_TYPES,
                                                    ForwardFn,
                                                    customized_pruners,
                                                    default_forward,
                                                    propagate_unprunable,
                                                    resolve_module,
                                                    structural_layers,
                                                    tracing)
from mmlight.compression.pruning.shapes import SHAPE_ATTRS
from mmlight.utils.checks import check_ratio

__all__ = ['ChannelPruner', 'accumulate_gradients', 'format_report']

_IMPORTANCES = ('magnitude', 'bn_scale', 'taylor')


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
        if isinstance(m, SUPPORTED_TYPES):
            attrs = {a: v for a, v in vars(m).items()
                     if a in SHAPE_ATTRS and type(v) is int}
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
    :func:`~mmlight.compression.pruning.dependency.find_unprunable_layers`
    and ``ignored_layers`` keep their output channels; :meth:`report` lists
    them with the reasons.

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
        self.pruning_ratio = check_ratio('pruning_ratio', pruning_ratio)
        self.pruning_ratio_dict = {
            str(k): check_ratio(f'pruning_ratio_dict[{k!r}]', v)
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
            forward_fn: ``forward_fn(model, example_inputs)``, see
                :mod:`~mmlight.compression.pruning.dependency`'s
                ``build_dependency_graph``. Defaults to None.
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
        structural = structural_layers(model)
        self.model = model
        self._forward_fn = forward_fn or default_forward
        self._inputs = example_inputs
        with tracing(model):
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
                customized_pruners=customized_pruners(),
                forward_fn=self._forward_fn)
        propagated = propagate_unprunable(self._pruner.DG, structural,
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
        objects: rebind an optimizer with
        :func:`~mmlight.compression.optimizer.rebind_optimizer`).

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
