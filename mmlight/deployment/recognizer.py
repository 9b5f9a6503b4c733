"""The PyTorch side of deployment: a config's recognizer, built and loaded."""
import copy
from typing import Any, Callable, Optional, Sequence

import numpy as np
import torch
from torch import nn

from mmlight.compression.pruning.shapes import reshape_to_checkpoint
from mmlight.measure.complexity import TensorForward
from mmlight.utils.checkpoint_io import check_file
from mmlight.utils.config import ensure_default_scope

__all__ = ['build_recognizer', 'model_input', 'torch_backend']


def build_recognizer(cfg: Any, checkpoint: Optional[str] = None,
                     device: str = 'cpu') -> nn.Module:
    """Build ``cfg.model`` in eval mode and load a checkpoint strictly.

    Args:
        cfg (Config | dict): A loaded config.
        checkpoint (str, optional): A ``.pth`` whose ``state_dict`` (or the
            file itself) matches the model; None keeps the initial weights
            (enough for the data preprocessor and the head's
            ``average_clip``). A pruned checkpoint (written by a run with
            :class:`~mmlight.engine.hooks.ChannelPruningHook`) reshapes the
            model first
            (:func:`~mmlight.compression.pruning.reshape_to_checkpoint`).
            Defaults to None.
        device (str): Where the model goes. Defaults to ``'cpu'``.

    Returns:
        nn.Module: The model, in eval mode.

    Raises:
        FileNotFoundError: ``checkpoint`` does not exist.
        RuntimeError: The checkpoint's keys do not match the model.
    """
    if checkpoint is not None:
        check_file(checkpoint, 'checkpoint')
    from mmengine.runner import load_checkpoint

    from mmlight.registry import MODELS
    ensure_default_scope(cfg)
    # Building may edit the dict (the torchvision route pops `type`).
    model = MODELS.build(copy.deepcopy(cfg.model))
    if checkpoint is not None:
        reshape_to_checkpoint(model, checkpoint)  # a pruned checkpoint
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    return model.to(device).eval()


def model_input(inputs: Any, expected: Sequence[Optional[int]],
                path: str) -> np.ndarray:
    """Clips as a contiguous float32 array, checked against a deployed
    model's input shape.

    Args:
        inputs (np.ndarray | torch.Tensor): The clips.
        expected (Sequence[int | None]): The model's input shape, None for
            a dynamic dimension.
        path (str): The model's file, named in the error.

    Raises:
        ValueError: Another rank or a fixed dimension that differs.
    """
    if isinstance(inputs, torch.Tensor):
        inputs = inputs.detach().cpu().numpy()
    inputs = np.ascontiguousarray(inputs, dtype=np.float32)
    if len(inputs.shape) != len(expected) or any(
            want is not None and want != got
            for want, got in zip(expected, inputs.shape)):
        shape = tuple('N' if d is None else d for d in expected)
        raise ValueError(f'{path}: input of shape {inputs.shape}, the model '
                         f'takes {shape}')
    return inputs


def torch_backend(model: nn.Module) -> Callable[[np.ndarray], np.ndarray]:
    """The PyTorch reference as an array-in, array-out function.

    Args:
        model (nn.Module): A recognizer (put in eval mode).

    Returns:
        Callable: ``f(inputs) -> logits``, the same computation the exported
        graph holds: ``model(inputs, mode='tensor', stage='head')`` under
        ``torch.no_grad``, e.g. ``(N, num_segs, C, H, W)`` to
        ``(N, num_classes)``.
    """
    forward = TensorForward(model.eval())
    params = list(model.parameters())
    device = params[0].device if params else torch.device('cpu')

    def run(inputs: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            out = forward(torch.from_numpy(np.asarray(inputs)).to(device))
        return out.detach().cpu().numpy()

    return run
