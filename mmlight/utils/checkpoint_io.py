"""Read a checkpoint file, with an error that names it when it cannot be
read; fail early on a missing input file."""
import glob
import os.path as osp
import pickle
import zipfile
from typing import Any, Callable, Union

import torch

__all__ = ['CheckpointError', 'check_file', 'load_checkpoint_file']


def check_file(path: str, what: str) -> str:
    """Fail early, naming the argument and the path, if ``path`` is no
    file.

    Args:
        path (str): The path.
        what (str): What it is, e.g. ``'checkpoint'`` or ``'ONNX model'``.

    Returns:
        str: ``path``.

    Raises:
        FileNotFoundError: ``path`` is not a file.
    """
    if not osp.isfile(str(path)):
        raise FileNotFoundError(f'{what} not found: {path}')
    return str(path)


class CheckpointError(RuntimeError):
    """A checkpoint file exists but cannot be read.

    Args:
        path (str): The file.
        reason (str): What is wrong and what to do.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f'{path}: {reason}')

    def __reduce__(self):
        return type(self), (self.path, self.reason)


def _others(path: str) -> str:
    """The other checkpoints beside ``path``, as a hint."""
    folder = osp.dirname(osp.abspath(path))
    others = sorted(osp.basename(p) for p in glob.glob(osp.join(folder, '*.pth'))
                    if osp.abspath(p) != osp.abspath(path))
    if not others:
        return ''
    return (f'; other checkpoints in {folder}: {", ".join(others[:5])}'
            + (' ...' if len(others) > 5 else ''))


def _unpickler_reason(message: str) -> str:
    """The line of torch's ``weights_only`` message that says what failed
    (``Unsupported global: GLOBAL builtins.print``), not its boilerplate."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    reason = lines[0] if lines else 'UnpicklingError'
    for i, line in enumerate(lines):
        if line.endswith('WeightsUnpickler error:') and i + 1 < len(lines):
            reason = lines[i + 1]
            break
        if 'WeightsUnpickler error:' in line:
            reason = line.split('WeightsUnpickler error:', 1)[1].strip()
            break
    # not torch's advice to allow-list the global: that would run it
    return reason.split(' was not an allowed global')[0].split('. Please')[0]


def load_checkpoint_file(path: str,
                         map_location: Union[str, Callable, None] = 'cpu',
                         what: str = 'checkpoint') -> Any:
    """``torch.load(path, weights_only=True)`` with errors that name the file.

    Args:
        path: A local checkpoint file.
        map_location: As for :func:`torch.load`. Defaults to ``'cpu'``.
        what: What the file is for, in messages (``'teacher checkpoint'``).
            Defaults to ``'checkpoint'``.

    Returns:
        The loaded object.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        CheckpointError: It is empty, truncated, not a PyTorch checkpoint, or
            holds objects that ``weights_only`` loading refuses; the message
            names the file and the other checkpoints beside it.
    """
    path = osp.expanduser(str(path))
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path}')
    if osp.getsize(path) == 0:
        raise CheckpointError(
            path, f'the {what} is empty (0 bytes): it was not written to the '
            f'end (a killed run or a full disk?){_others(path)}')
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except PermissionError as exc:
        raise CheckpointError(
            path, f'cannot read the {what}: {exc.strerror}') from None
    except pickle.UnpicklingError as exc:
        first = _unpickler_reason(str(exc))
        raise CheckpointError(
            path, f'cannot read the {what}: it is not a PyTorch checkpoint, or '
            f'it holds objects that safe loading refuses ({first})'
            f'{_others(path)}') from None
    except (EOFError, OSError, RuntimeError, zipfile.BadZipFile,
            ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else \
            type(exc).__name__
        raise CheckpointError(
            path, f'cannot read the {what}: the file is truncated or not a '
            f'PyTorch checkpoint, or cannot be loaded here ({first})'
            f'{_others(path)}') from None
