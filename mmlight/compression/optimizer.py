"""Point an optimizer at the parameters that replaced the ones it holds.

Compression replaces a model's ``Parameter`` objects while it trains:
channel pruning (:mod:`~mmlight.compression.pruning`) swaps in smaller
ones, quantization-aware training swaps the backbone for an exported graph
(:class:`~mmlight.engine.runner.QATEpochBasedLoop`). The optimizer still
holds the old objects; :func:`rebind_optimizer` hands it the new ones by
name.
"""
from typing import Dict, List, NamedTuple

import torch
import torch.nn as nn

__all__ = ['Rebound', 'rebind_optimizer']


class Rebound(NamedTuple):
    """What :func:`rebind_optimizer` changed, by parameter name."""

    #: Held parameters now another object of the same name.
    replaced: List[str]
    #: Of ``replaced``, those whose optimizer state (e.g. Adam's moments)
    #: was dropped because its shape changed: their statistics restart.
    restarted: List[str]
    #: Held parameters gone from the model: they left their group.
    removed: List[str]
    #: New trainable parameters (names absent before) that no group held:
    #: they joined the first group.
    added: List[str]


def _same_shapes(state: dict, param: torch.Tensor) -> bool:
    return all(not isinstance(v, torch.Tensor) or v.dim() == 0
               or v.shape == param.shape for v in state.values())


def rebind_optimizer(optimizer: torch.optim.Optimizer,
                     old: Dict[str, nn.Parameter],
                     new: Dict[str, nn.Parameter]) -> Rebound:
    """Replace the optimizer's old parameters by the new ones of the same
    name, in place.

    Each group keeps its options and its order. A replaced parameter takes
    the old one's state if every state tensor has the new shape (scalars
    aside), else its state restarts. A held parameter whose name ``new``
    lacks leaves its group; one that ``old`` does not name stays as it is.
    Trainable parameters under names ``old`` lacks that no group holds
    join the first group.

    Args:
        optimizer: The optimizer; its ``param_groups`` and ``state`` are
            changed in place.
        old: ``dict(model.named_parameters())`` taken before the
            parameters were replaced.
        new: The parameters now, by the same names (e.g.
            ``dict(model.named_parameters())``).

    Returns:
        Rebound: The names replaced, restarted, removed and added.
    """
    name_of = {id(p): n for n, p in old.items()}
    replaced: List[str] = []
    restarted: List[str] = []
    removed: List[str] = []
    held = set()
    for group in optimizer.param_groups:
        params = []
        for p in group['params']:
            name = name_of.get(id(p))
            q = p if name is None else new.get(name)
            if q is None:  # gone from the model
                optimizer.state.pop(p, None)
                removed.append(name)
                continue
            if q is not p:
                replaced.append(name)
                state = optimizer.state.pop(p, None)
                if state and _same_shapes(state, q):
                    optimizer.state[q] = state
                elif state:
                    restarted.append(name)
            params.append(q)
            held.add(id(q))
        group['params'] = params
    added: List[str] = []
    for name, p in new.items():
        if name not in old and p.requires_grad and id(p) not in held:
            optimizer.param_groups[0]['params'].append(p)
            held.add(id(p))
            added.append(name)
    return Rebound(replaced, restarted, removed, added)
