"""The package's layering: each package imports only from the packages
below it (the README's "Layout" lists them bottom-up), so no arrow runs
back up. Imports inside functions count too."""
import ast
import os
import os.path as osp

import pytest

PACKAGE = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                   'mmlight')
#: Bottom-up; a package may import its own level and every level before.
LEVELS = [
    {'compat', 'registry', 'utils'},
    {'measure'},
    {'models'},
    {'datasets'},  # the memory-aware sampler probes a model
    {'compression'},
    {'engine'},
    {'deployment'},
    {'apis'},
    {'evaluation'},
    {'reports'},
    {'cli'},
]
#: Entry points that import what they start.
ENTRY_POINTS = {'__init__.py', osp.join('utils', 'setup_env.py'),
                osp.join('datasets', 'synthfall', '__main__.py')}
#: The one import that runs up, and why: the registered recognizer that
#: serves a ``.pt2`` INT8 program (a model, so it lives where MODELS looks)
#: loads the program with compression's runtime when it is built.
ALLOWED = {(osp.join('models', 'recognizers', 'exported_recognizer.py'),
            'mmlight.compression.quantization.int8_runtime')}


def _level(top: str) -> int:
    for i, names in enumerate(LEVELS):
        if top in names:
            return i
    raise AssertionError(f'mmlight.{top} is in no level of LEVELS: add it')


def _mmlight_imports(path: str, module: str):
    tree = ast.parse(open(path).read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the package
                base = module.split('.')[:-node.level]
                name = '.'.join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ''
            yield node.lineno, name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def _modules():
    for root, _, files in os.walk(PACKAGE):
        if '.mim' in root:
            continue
        for f in sorted(files):
            if f.endswith('.py'):
                rel = osp.relpath(osp.join(root, f), PACKAGE)
                yield rel


def test_every_package_has_a_level_and_a_docstring():
    for rel in _modules():
        parts = rel.split(os.sep)
        if len(parts) > 1:
            _level(parts[0])
        elif rel != '__init__.py':
            _level(rel[:-3])
    for entry in sorted(os.listdir(PACKAGE)):
        init = osp.join(PACKAGE, entry, '__init__.py')
        if osp.isfile(init):
            doc = ast.get_docstring(ast.parse(open(init).read()))
            assert doc, f'mmlight/{entry}/__init__.py has no docstring'


@pytest.mark.parametrize('rel', sorted(
    r for r in _modules() if r not in ENTRY_POINTS))
def test_no_import_runs_back_up(rel):
    parts = rel[:-3].split(os.sep)
    module = '.'.join(['mmlight'] + parts)
    if parts[-1] == '__init__':
        module = module[:-len('.__init__')] + '.__init__'
    own = _level(parts[0])
    for lineno, name in _mmlight_imports(osp.join(PACKAGE, rel), module):
        if not name.startswith('mmlight.') or (rel, name) in ALLOWED:
            continue
        top = name.split('.')[1]
        assert _level(top) <= own, (
            f'mmlight/{rel}:{lineno} imports {name}: mmlight.{parts[0]} '
            f'(level {own}) may not import mmlight.{top} (level '
            f'{_level(top)})')
