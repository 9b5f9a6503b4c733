"""Keep a QAT graph's BatchNorm momentum and eps through torchao's
rewrites.

Works around torchao 0.18: its QAT conv-BN fusion (``prepare_qat_pt2e``),
its train/eval rewrites (``move_exported_model_to_train/eval``) and its
conv-BN fold in ``convert_pt2e`` use torch's defaults, momentum 0.1 and eps
1e-5 (``# TODO: allow setting eps`` in
``torchao/quantization/pt2e/qat_utils.py`` and ``export_utils.py``).
MobileNetV3 has (0.01, 1e-3): with eps 1e-5 a channel of near-zero
variance is scaled up to 10x, and a random-weight student's QAT output is
off by ~10x its norm. Delete when torchao copies BatchNorm literals over.

Also :func:`conv_bn_patterns_in`, which keeps the same rewrites from
building patterns for conv types the graph does not have (speed only).
"""
import contextlib
import warnings
from typing import Iterator, List, Tuple

import torch
from torch.fx import GraphModule, Node

__all__ = [
    'BN_LITERALS', 'conv_bn_patterns_in', 'fold_with_exported_eps',
    'record_bn_literals', 'restore_bn_literals'
]

BN_LITERALS = 'mmlight_bn_literals'
TORCHAO_BN_EPS = 1e-5  # the eps of torchao's QAT conv-BN patterns


def _batch_norms(graph_module: GraphModule) -> List[Node]:
    return [
        n for n in graph_module.graph.nodes
        if n.op == 'call_function' and n.target in (
            torch.ops.aten.batch_norm.default,
            torch.ops.aten._native_batch_norm_legit.default)
    ]


def record_bn_literals(
        graph_module: GraphModule) -> List[Tuple[float, float]]:
    """``(momentum, eps)`` of each BatchNorm op, in graph order."""
    return [(n.args[6], n.args[7]) for n in _batch_norms(graph_module)]


def restore_bn_literals(graph_module: GraphModule) -> None:
    """Give the BatchNorm ops of a QAT graph back the momentum and eps
    :func:`record_bn_literals` gave (stored in ``graph_module.meta``).

    Also puts the eps back into the fused pattern's ``sqrt(running_var +
    eps)``. Call after ``prepare_qat_pt2e`` and after every
    ``move_exported_model_to_train/eval``.
    """
    literals = graph_module.meta.get(BN_LITERALS)
    nodes = _batch_norms(graph_module)
    if not literals:
        return
    if len(literals) != len(nodes):
        warnings.warn(f'QAT graph: {len(nodes)} BatchNorm ops, '
                      f'{len(literals)} exported; their momentum/eps are '
                      "left at torchao's defaults (0.1, 1e-5)")
        return
    for node, (momentum, eps) in zip(nodes, literals):
        # both ops: (x, w, b, mean, var, training, momentum, eps, ...)
        args = list(node.args)
        args[6], args[7] = momentum, eps
        node.args = tuple(args)
        var = node.args[4]
        for user in list(var.users):
            if user.target == torch.ops.aten.add.Tensor \
                    and user.args[0] is var \
                    and isinstance(user.args[1], float):
                user.args = (var, eps)
    graph_module.recompile()


def fold_with_exported_eps(prepared: GraphModule) -> None:
    """Shift each BatchNorm's running variance by ``eps - 1e-5``.

    ``convert_pt2e`` folds BatchNorm into the conv with eps 1e-5 whatever
    the op says; ``sqrt(var + (eps - 1e-5) + 1e-5)`` is the exported
    ``sqrt(var + eps)``. The prepared graph is consumed by the conversion.
    """
    for node in _batch_norms(prepared):
        eps, var = node.args[7], node.args[4]
        if var.op == 'get_attr' and eps != TORCHAO_BN_EPS:
            owner, _, name = var.target.rpartition('.')
            module = prepared.get_submodule(owner)
            # a new tensor: the exported graph may share the original
            # model's buffers
            shifted = getattr(module, name).detach() + (eps - TORCHAO_BN_EPS)
            module.register_buffer(name, shifted)


@contextlib.contextmanager
def conv_bn_patterns_in(graph_module: GraphModule) -> Iterator[None]:
    """Let torchao's QAT conv-BN rewrites try only the conv types the
    graph has.

    ``prepare_qat_pt2e`` (``_fuse_conv_bn_qat``) and ``convert_pt2e``
    (``_fold_conv_bn_qat``) build their match and replacement patterns with
    ``torch.export`` for conv1d, conv2d, conv_transpose1d and
    conv_transpose2d, 12 pattern pairs each in the fold: about a minute on
    a 2-core CPU, three quarters of it for conv types a video backbone of
    2D convs does not have. A family whose op is absent from the graph
    cannot match, so skipping it changes nothing but the time. Delete when
    torchao filters its patterns by the graph's ops.

    Args:
        graph_module: The graph about to be prepared or converted.
    """
    from torchao.quantization.pt2e import qat_utils
    present = {
        getattr(n.target, '_opname', None)
        for n in graph_module.graph.nodes if n.op == 'call_function'
    }
    names = ('_fuse_conv_bn_qat_helper', '_fold_conv_bn_qat_helper')
    originals = {name: getattr(qat_utils, name) for name in names}

    def only_present(helper):

        def run(m, conv_fn, *args, **kwargs):
            # F.conv2d -> aten.conv2d: the same name
            if conv_fn.__name__ in present:
                return helper(m, conv_fn, *args, **kwargs)
            return m

        return run

    for name, helper in originals.items():
        setattr(qat_utils, name, only_present(helper))
    try:
        yield
    finally:
        for name, helper in originals.items():
            setattr(qat_utils, name, helper)
