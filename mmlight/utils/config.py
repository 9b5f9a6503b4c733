"""The one config loader: files and ``pkg::`` paths, ``--cfg-options``,
errors that name the file."""
import ast
import os.path as osp
from typing import Any, Dict, Optional

from mmengine.config import Config

__all__ = ['ensure_default_scope', 'load_config']

_REPO_CONFIGS = osp.join(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))), 'configs')


def load_config(path: str,
                cfg_options: Optional[Dict[str, Any]] = None) -> Config:
    """Read a config: a file, or an ``mmlight::`` / ``mmaction::`` path,
    with ``--cfg-options`` merged in.

    ``mmlight::<file>.py`` falls back to the checkout's ``configs/`` when
    mmlight is not installed with its ``.mim`` copy. MMEngine parses the
    top-level file with ``ast.parse`` and no file name first (to detect lazy
    imports), so its syntax errors read ``File "<unknown>", line 2``; here
    they name the file (or the base config) at fault.

    Args:
        path: The config.
        cfg_options: ``key=value`` overrides (``DictAction``'s dict).
            Defaults to None.

    Raises:
        FileNotFoundError: ``config not found: <path>``.
        SyntaxError: With ``filename`` set to the file at fault.
    """
    resolved = _resolve(path)
    try:
        cfg = Config.fromfile(resolved)
    except SyntaxError as exc:
        if exc.filename not in (None, '<unknown>'):
            raise
        culprit = _unparsable(resolved) or resolved
        where = culprit if culprit == resolved else \
            f'{culprit} (a base of {path})'
        raise SyntaxError(
            f'{exc.msg} in config {where}, line {exc.lineno}',
            (culprit, exc.lineno, exc.offset, exc.text)) from None
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def _resolve(path: str) -> str:
    """The file of ``path``; raises ``FileNotFoundError`` naming it."""
    resolved = path
    if '::' in path:
        try:
            resolved, _ = Config._get_cfg_path(path, '')
        except (FileNotFoundError, ModuleNotFoundError, ValueError):
            resolved = ''
        if not osp.isfile(resolved) and path.startswith('mmlight::'):
            resolved = osp.join(_REPO_CONFIGS, path.partition('::')[2])
    if not osp.isfile(resolved):
        raise FileNotFoundError(f'config not found: {path}')
    return resolved


def _unparsable(path: str, depth: int = 0) -> str:
    """The first of ``path`` and its local ``_base_`` files (depth first)
    that does not parse, or ``''``."""
    try:
        with open(path, encoding='utf-8') as f:
            tree = ast.parse(f.read(), path)
    except SyntaxError:
        return path
    except OSError:
        return ''
    bases = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == '_base_' for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            bases = [value] if isinstance(value, str) else list(value)
    for base in bases:
        if '::' in base or depth > 8:
            continue  # a package's config: shipped, parsed
        found = _unparsable(
            osp.normpath(osp.join(osp.dirname(path), base)), depth + 1)
        if found:
            return found
    return ''

def ensure_default_scope(cfg: Any) -> None:
    """Make the config's ``default_scope`` (else ``'mmlight'``) current
    unless a scope already is, so that datasets, transforms and metrics
    built outside a Runner resolve in mmlight's registries."""
    from mmengine.registry import DefaultScope, init_default_scope
    if DefaultScope.get_current_instance() is None:
        init_default_scope(cfg.get('default_scope', None) or 'mmlight')
