"""What every report shares: table cells and ratios, markdown rows, JSON
without NaN, ``--cfg-options`` strings, a config as plain picklable dicts,
the recognizer a fresh measuring process loads, and a tool run in a child
process with its output in a log.

Imports nothing else of :mod:`mmlight.reports`, so every report module can
import it at the top.
"""
import copy
import math
import os
import os.path as osp
import subprocess
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import nn

__all__ = [
    'format_cell', 'ratio', 'format_times', 'table_head', 'table_row',
    'failure_line', 'row_name', 'failed_section', 'without_nan',
    'parse_cfg_options', 'plain', 'plain_cfg', 'load_recognizer',
    'load_tensor_forward', 'load_pt2_forward', 'run_tool'
]


# ---------------------------------------------------------------- numbers
def format_cell(value: Optional[float], spec: str,
                scale: float = 1.0) -> str:
    """A table cell: ``value * scale`` in ``spec``, or ``'n/a'``.

    Args:
        value (float, optional): The figure; None or NaN (no such clips,
            nothing measured) is undefined.
        spec (str): A format spec, e.g. ``'.1f'``.
        scale (float): Multiplied in first (100 for a percentage, 1e-6
            for millions). Defaults to 1.0.

    Returns:
        str: The cell.

    Examples:
        >>> format_cell(0.524, '.1f', 100), format_cell(None, '.1f')
        ('52.4', 'n/a')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 'n/a'
    return format(value * scale, spec)


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    """``a / b``, or None when either is missing or ``b`` is 0."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def format_times(value: Optional[float], spec: str = '.1f') -> str:
    """A factor as ``'12.3x'``, or ``'n/a'`` for None.

    Examples:
        >>> format_times(ratio(100, 8)), format_times(ratio(1, 0), '.2f')
        ('12.5x', 'n/a')
    """
    return 'n/a' if value is None else f'{format(value, spec)}x'


# --------------------------------------------------------------- markdown
def table_row(cells: Sequence[str]) -> str:
    """One markdown table row."""
    return '| ' + ' | '.join(cells) + ' |'


def table_head(head: Sequence[str]) -> List[str]:
    """A markdown table's header row and its rule."""
    return [table_row(head), '|---' * len(head) + '|']


def failure_line(name: str, error: str) -> str:
    """``- NAME: <first line of the error>``, for :func:`failed_section`."""
    return f'- {name}: {error.splitlines()[0]}'


def row_name(row: Dict[str, Any], errors: List[str]) -> str:
    """A row's ``name``; a failed row's marked ``(failed)``, its error's
    first line appended to ``errors`` (:func:`failure_line`)."""
    name = row['name']
    if row.get('error'):
        errors.append(failure_line(name, row['error']))
        name += ' (failed)'
    return name


def failed_section(errors: Sequence[str]) -> List[str]:
    """The lines that list failures below a table (none without any)."""
    return ['', 'Failed:', *errors] if errors else []


def without_nan(value: Any) -> Any:
    """NaN as None (JSON has no NaN), through dicts and lists."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: without_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nan(v) for v in value]
    return value


# ---------------------------------------------------------------- configs
def parse_cfg_options(options: Sequence[str]) -> Dict[str, Any]:
    """``key=value`` strings as ``--cfg-options`` (MMEngine's DictAction)
    reads them, for :func:`mmlight.utils.load_config`.

    Raises:
        ValueError: A string without ``=``.
    """
    from mmengine.config import DictAction
    parsed = {}
    for option in options:
        key, sep, value = option.partition('=')
        if not sep:
            raise ValueError(f'expected key=value, got {option!r}')
        parsed[key] = DictAction._parse_iterable(value)
    return parsed


def plain(value: Any) -> Any:
    """A deep copy, a ``ConfigDict`` as a plain dict (picklable)."""
    value = copy.deepcopy(value)
    return value.to_dict() if hasattr(value, 'to_dict') else value


def plain_cfg(cfg: Any) -> dict:
    """What a fresh measuring process needs of a config, as plain dicts:
    ``model``, ``default_scope`` and the test / val dataloaders it has."""
    out = dict(model=plain(cfg.model),
               default_scope=cfg.get('default_scope', 'mmlight'))
    for key in ('test_dataloader', 'val_dataloader'):
        if cfg.get(key):
            out[key] = plain(cfg[key])
    return out


# ------------------------------------------------- fresh-process loaders
# Module-level (picklable) for mmlight.measure.runtime's fresh processes.
def load_recognizer(cfg_dict: dict,
                    checkpoint: Optional[str] = None) -> nn.Module:
    """:func:`~mmlight.deployment.recognizer.build_recognizer` of a
    :func:`plain_cfg` dict: the recognizer in eval mode, ``checkpoint``
    (pruned shapes included) loaded when given."""
    from mmengine.config import Config

    from mmlight.deployment.recognizer import build_recognizer
    return build_recognizer(Config(cfg_dict), checkpoint)


def load_tensor_forward(cfg_dict: dict,
                        checkpoint: Optional[str] = None) -> nn.Module:
    """:func:`load_recognizer` as a tensor-in, class-scores-out module
    (:class:`~mmlight.measure.complexity.TensorForward`, with ``.to``, so
    it can be measured on a GPU)."""
    from mmlight.measure.complexity import TensorForward
    return TensorForward(load_recognizer(cfg_dict, checkpoint)).eval()


def load_pt2_forward(path: str, runtime: str = 'inductor'
                     ) -> Callable[[np.ndarray], np.ndarray]:
    """A ``.pt2`` INT8 program as array in, logits out, compiled
    (``'inductor'``) or as it is (``'reference'``); see
    :mod:`mmlight.compression.quantization.int8_runtime`. The program is
    the callable's ``program`` (its ``compile_s`` the first-call seconds
    by input shape)."""
    from mmlight.compression.quantization.int8_runtime import \
        load_int8_program
    program = load_int8_program(path, runtime)[0]

    def run(inputs: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            out = program(torch.from_numpy(np.asarray(inputs)))
        return out.detach().numpy()

    run.program = program
    # one graph per batch size: evaluators pad a short last batch
    run.static_batch = getattr(program, 'static_batch', False)
    return run


# ------------------------------------------------------------------ tools
def run_tool(cmd: Sequence[str], log_path: str, tail: int = 3000,
             label: Optional[str] = None) -> None:
    """Run a tool in a child process, its output to ``log_path``.

    Args:
        cmd (Sequence[str]): The argv, e.g. ``[sys.executable,
            'tools/train.py', config, ...]``.
        log_path (str): Where its stdout and stderr go (folders created).
        tail (int): Characters of the output the error quotes. Defaults
            to 3000.
        label (str, optional): Printed to stderr before the command,
            e.g. ``'[benchmark_distill] train:'``. Defaults to None
            (silent).

    Raises:
        RuntimeError: It exited with a non-zero code; the message names
            the tool, the code, the log, the command and the end of the
            output.
    """
    cmd = list(cmd)
    os.makedirs(osp.dirname(osp.abspath(log_path)), exist_ok=True)
    if label is not None:
        print(f'{label} {" ".join(cmd)}', file=sys.stderr)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                          text=True, errors='replace', check=False)
    output = proc.stdout or ''
    with open(log_path, 'w') as f:
        f.write(output)
    if proc.returncode != 0:
        tool = osp.basename(cmd[1]) if len(cmd) > 1 else cmd[0]
        raise RuntimeError(
            f'{tool} failed with return code {proc.returncode} (log: '
            f'{log_path}):\n{" ".join(cmd)}\n--- last {tail} characters '
            f'of its output ---\n{output[-tail:]}')
