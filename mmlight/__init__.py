"""mmlight: light, fast video behaviour analysis for edge devices.

Importing ``mmlight`` first applies the workarounds in :mod:`mmlight.compat`
(so ``mmaction.models`` and ``mmrazor.models`` import on the pinned stack),
then registers mmlight's components in its child registries. Configs load it
with ``custom_imports = dict(imports=['mmlight'])``.
"""
from importlib.metadata import PackageNotFoundError, version

from . import compat

compat.apply_all()

# MMAction2's types must be registered for mmlight's child registries to
# find them through the parent (the registry only imports its own locations).
from mmaction.utils import register_all_modules as _register_mmaction  # noqa: E402,E501

_register_mmaction(init_default_scope=False)

from . import datasets, engine, evaluation, models  # noqa: E402
from .registry import SCOPE  # noqa: E402

try:
    __version__ = version('mmlight')
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = '0+unknown'

__all__ = [
    '__version__', 'compat', 'datasets', 'engine', 'evaluation', 'models',
    'SCOPE'
]
