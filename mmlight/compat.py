r"""Every workaround mmlight needs for an upstream bug, in one place.

``apply_all()`` runs when :mod:`mmlight` is imported, before any MMAction2 or
MMRazor model module is, so configs that say
``custom_imports = dict(imports=['mmlight'])`` get a working stack. Each patch
is idempotent, only *adds* what is missing (it never replaces working upstream
code), names the upstream bug, and says when it can be deleted. Each has a
test in ``tests/test_compat.py`` that fails without it, plus a canary test
that notices when upstream has fixed the bug.

The four breakages of the pinned stack (see ``pyproject.toml``):

1. ``mmaction2==1.2.0`` wheel lacks ``mmaction/models/localizers/drn``, so
   ``import mmaction.models`` raises ``ModuleNotFoundError``
   (open-mmlab/mmaction2#2714: the wheel omits the folder).
   Fix: register a stand-in module whose ``DRN`` fails loudly when built.
   Delete when: the pinned mmaction2 wheel ships ``localizers/drn``.
2. ``mmrazor==1.0.0`` fails at import on torch>=2: it imports torch.ao
   quantization internals that torch removed (``reverse2``, ``reverse3``,
   ``reverse_sequential_wrapper2``, ``BackendPatternConfig._set_overwrite_*``
   and ``_set_input_output_observed``) and relies on
   ``torch.ao.quantization.backend_config.utils`` being imported as a side
   effect (open-mmlab/mmrazor#632). Fix: add the removed helpers back with
   their old torch 1.13 bodies and import the ``utils`` submodule. Only the
   module-level backend tables of mmrazor use them; mmrazor's quantization
   does not work for video models and mmlight never calls it; its
   distillers, recorders and losses work.
   Delete when: mmrazor releases a version that imports on torch>=2.
3. ``mmengine==0.10.7`` + ``torch>=2.6``: ``torch.load`` defaults to
   ``weights_only=True``, which refuses the numpy and mmengine objects that
   an mmengine checkpoint holds (message hub history buffers, which pickle
   their methods through ``getattr``, numpy scalars in ``meta``), so
   ``resume`` and ``load_from`` fail (open-mmlab/mmengine#1655; upstream PR
   #1650 proposes weights_only=False, which would unpickle anything). Fix:
   allow-list exactly those types with
   ``torch.serialization.add_safe_globals``; every other global is still
   refused, nothing is unpickled blindly.
   Delete when: mmengine passes its own safe globals / weights_only.
4. ``mmengine``'s ``AmpOptimWrapper`` asserts a GPU (reported in
   open-mmlab/mmpretrain#1556), so mixed
   precision cannot even be configured on CPU. Fix: mmlight registers its
   own ``AmpOptimWrapper`` (:mod:`mmlight.engine.optim_wrappers`) in its
   child registry; with ``default_scope='mmlight'`` it shadows mmengine's,
   uses fp16 + loss scaling on GPU as before and bf16 autocast on CPU.
   Delete when: mmengine's wrapper accepts CPU.

And one limitation that is not a crash but stops configs from inheriting
mmlight's:

5. ``mmengine==0.10.7`` resolves ``_base_ = ['pkg::cfg.py']`` only for the
   packages in its hard-coded ``MODULE2PACKAGE`` table, and only for paths
   with a folder (its pattern is ``\w*::\w*/\w*``), so
   ``mmlight::fall_mbv3_baseline.py`` fails. Fix: add ``mmlight`` to the
   table and let ``mmlight::<file>.py`` through. Base configs are resolved
   before ``custom_imports`` run, so mmlight must be imported before the
   config is parsed: mmlight's ``tools/train.py``/``test.py`` (and so
   ``mim train mmlight CONFIG``) do that.
   Delete when: mmengine lets packages register themselves for ``::``.

And one that keeps distributed training off GPUs from starting:

9. ``mmengine==0.10.7``'s ``pytorch`` launcher
   (``mmengine.dist.utils._init_dist_pytorch``) calls
   ``torch.cuda.set_device`` before anything else, so ``torchrun`` on CPUs
   (gloo) fails with "Found no NVIDIA driver". Fix: without CUDA (and
   without MLU/NPU/MUSA) the process group is initialised directly; with
   them mmengine's function runs unchanged. Delete when: mmengine skips
   ``set_device`` without CUDA.

And one that leaves a user with an error that names no file:

10. ``mmengine==0.10.7``'s local checkpoint loader (``load_from_local``, used
    by ``load_from``, ``resume``, auto-resume and ``tools/test.py``) passes
    ``torch.load``'s errors through, so a truncated, empty or garbage file
    ends in ``PytorchStreamReader failed reading zip archive`` / ``EOFError``
    / ``UnpicklingError`` without the path. Fix: mmlight registers its
    own local loader through mmengine's ``CheckpointLoader.register_scheme``
    (:func:`mmlight.utils.checkpoint_io.load_checkpoint_file`: the same
    ``torch.load``, errors naming the file and the checkpoints beside it).
    Delete when: mmengine's loader names the file.

Workarounds that are not import-time patches live beside the code they
serve, each applied only where that code runs; they are listed here so that
this module stays the index of every upstream bug mmlight works around:

6. ``torchao==0.18``'s QAT conv-BN fusion, train/eval rewrites and conv-BN
   fold use momentum 0.1 and eps 1e-5 whatever the model's BatchNorm says
   (``# TODO: allow setting eps`` in ``torchao/quantization/pt2e/
   qat_utils.py``); MobileNetV3's (0.01, 1e-3) then give a QAT graph ~10x
   off. Fix: :mod:`mmlight.compression.quantization.qat_batchnorm` records and restores
   the literals and folds with the exported eps. Delete when: torchao keeps
   BatchNorm literals.
7. The same torchao rewrites export match/replacement patterns for conv1d,
   conv2d and both transposed convs whatever the graph holds (a minute on a
   2-core CPU per conversion). Fix (speed only):
   :func:`mmlight.compression.quantization.qat_batchnorm.conv_bn_patterns_in` skips the
   conv types absent from the graph. Delete when: torchao filters its
   patterns by the graph's ops.
8. ``decord==0.6`` fails on mp4v videos of some frame widths (16, 24, 48,
   72 seen: ``DECORDArrayCopyFromTo: The size must exactly match``). Fix:
   SynthFall's mixed sizes (:data:`mmlight.datasets.synthfall.plan.
   MIXED_SCALES`) avoid them at the default sizes. Delete when: decord reads
   every width.
"""
import importlib.util
import os
import pickle
import sys
import types
from typing import Any, Callable, List

__all__ = [
    'apply_all', 'patch_mmaction_drn', 'patch_mmrazor_torch_ao',
    'patch_torch_load_safe_globals', 'mmengine_checkpoint_safe_globals',
    'patch_mmengine_external_configs', 'patch_mmengine_cpu_dist',
    'patch_mmengine_checkpoint_errors'
]

_APPLIED: List[str] = []


def _once(fn: Callable[[], None]) -> Callable[[], None]:
    """Run a patch at most once per process."""

    def wrapper() -> None:
        if fn.__name__ not in _APPLIED:
            fn()
            _APPLIED.append(fn.__name__)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@_once
def patch_mmaction_drn() -> None:
    """Breakage 1: provide ``mmaction.models.localizers.drn`` if missing."""
    pkg = 'mmaction.models.localizers.drn'
    if pkg in sys.modules:
        return
    # find_spec(pkg) would import mmaction.models, the very import that
    # fails, so look for the folder on disk instead.
    spec = importlib.util.find_spec('mmaction')
    if spec is None or spec.origin is None:
        return  # mmaction is not installed: nothing to patch.
    folder = os.path.join(
        os.path.dirname(spec.origin), 'models', 'localizers', 'drn')
    if os.path.isfile(os.path.join(folder, 'drn.py')):
        return  # upstream shipped it: the stand-in is not needed.

    class DRN:  # noqa: D401 - a stand-in, never a model.
        """Stand-in for MMAction2's DRN localizer missing from the wheel."""

        def __init__(self, *args, **kwargs) -> None:
            raise ImportError(
                'DRN is missing from the installed mmaction2 1.2.0 wheel '
                '(mmaction/models/localizers/drn is not packaged); install '
                'mmaction2 from source to use it.')

    for name in (pkg, pkg + '.drn'):
        module = types.ModuleType(name)
        module.DRN = DRN
        module.__mmlight_stub__ = True
        sys.modules[name] = module
    sys.modules[pkg].drn = sys.modules[pkg + '.drn']


def _reverse_sequential_wrapper2(sequential: Callable) -> Callable:
    # Body of torch 1.13's torch.ao.quantization.fuser_method_mappings.
    def fuser_method(is_qat, x1, x2):
        return sequential(x2, x1)

    return fuser_method


def _reverse2(f: Callable) -> Callable:
    def reversed_(is_qat, x, y):
        return f(is_qat, y, x)

    return reversed_


def _reverse3(f: Callable) -> Callable:
    def reversed_(is_qat, x, w):
        y, z = w
        return f(is_qat, z, y, x)

    return reversed_


def _return_self(self, *args, **kwargs):
    # Removed private setters of BackendPatternConfig: mmrazor only calls
    # them while building its quantization backend tables at import time,
    # which mmlight never uses, so they configure nothing.
    return self


@_once
def patch_mmrazor_torch_ao() -> None:
    """Breakage 2: restore the torch.ao names mmrazor 1.0.0 imports."""
    # Imported for its side effect: torch's BackendConfig refers to
    # ``torch.ao.quantization.backend_config.utils`` without importing it.
    import torch.ao.quantization.backend_config.utils  # noqa: F401
    import torch.ao.quantization.fuser_method_mappings as fmm
    from torch.ao.quantization.backend_config import BackendPatternConfig

    for name, fn in (('reverse2', _reverse2), ('reverse3', _reverse3),
                     ('reverse_sequential_wrapper2',
                      _reverse_sequential_wrapper2)):
        if not hasattr(fmm, name):
            setattr(fmm, name, fn)
    for name in ('_set_overwrite_output_fake_quantize',
                 '_set_overwrite_output_observer',
                 '_set_input_output_observed'):
        if not hasattr(BackendPatternConfig, name):
            setattr(BackendPatternConfig, name, _return_self)


def _history_buffer_getattr(obj: Any, name: str) -> Callable:
    """Stand-in for ``getattr`` while loading with ``weights_only=True``.

    A pickled ``HistoryBuffer`` stores its statistic methods as
    ``getattr(HistoryBuffer, 'mean')``. Allow-listing the builtin ``getattr``
    would let a checkpoint reach any attribute of any allowed object, so only
    this exact use is resolved.
    """
    from mmengine.logging import HistoryBuffer
    allowed = {'min', 'max', 'current', 'mean'}
    allowed |= set(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'weights_only load refused getattr({obj!r}, {name!r}): mmlight only '
        'allows HistoryBuffer statistic methods')


def mmengine_checkpoint_safe_globals() -> list:
    """The globals an mmengine checkpoint pickles besides tensors.

    Returns:
        list: Entries for ``torch.serialization.add_safe_globals``: mmengine's
        ``HistoryBuffer`` (message hub) with a restricted ``getattr`` for its
        statistic methods, numpy arrays, dtypes and scalars (log history,
        ``meta['seed']``...), ``codecs.encode`` (how numpy pickles raw bytes)
        and the ``ConfigDict`` that some hooks store.
    """
    import codecs

    import numpy as np
    from mmengine.config import ConfigDict
    from mmengine.logging import HistoryBuffer

    allowed = [
        HistoryBuffer, ConfigDict, np.ndarray, np.dtype,
        np._core.multiarray._reconstruct, np._core.multiarray.scalar,
        codecs.encode, (_history_buffer_getattr, '__builtin__.getattr'),
        (_history_buffer_getattr, 'builtins.getattr')
    ]
    # numpy >= 1.25 pickles dtypes as instances of per-type classes.
    allowed += [
        getattr(np.dtypes, name) for name in dir(np.dtypes)
        if name.endswith('DType')
    ]
    return allowed


@_once
def patch_torch_load_safe_globals() -> None:
    """Breakage 3: let weights_only loading read mmengine checkpoints."""
    import torch.serialization
    if not hasattr(torch.serialization, 'add_safe_globals'):
        return  # torch < 2.4 loads with weights_only=False by default.
    torch.serialization.add_safe_globals(mmengine_checkpoint_safe_globals())


@_once
def patch_mmengine_external_configs() -> None:
    """Limitation 5: let configs inherit ``mmlight::<file>.py``."""
    import re

    import mmengine.config.config as config_module
    import mmengine.config.utils as config_utils

    config_utils.MODULE2PACKAGE.setdefault('mmlight', 'mmlight')
    upstream = config_utils._get_package_and_cfg_path

    def get_package_and_cfg_path(cfg_path: str):
        # Only mmlight's top-level configs need the relaxed pattern; every
        # other path keeps mmengine's behaviour and messages.
        if re.fullmatch(r'mmlight::[\w.-]+\.py', cfg_path):
            return 'mmlight', cfg_path.partition('::')[2]
        return upstream(cfg_path)

    config_utils._get_package_and_cfg_path = get_package_and_cfg_path
    # config.py imported the function by name.
    config_module._get_package_and_cfg_path = get_package_and_cfg_path


@_once
def patch_mmengine_cpu_dist() -> None:
    """Breakage 9: let the ``pytorch`` launcher start without CUDA."""
    import torch
    import torch.distributed as torch_dist
    from mmengine.device import (is_mlu_available, is_musa_available,
                                 is_npu_available)
    from mmengine.dist import utils as dist_utils
    upstream = dist_utils._init_dist_pytorch

    def init_dist_pytorch(backend, init_backend='torch', **kwargs) -> None:
        if torch.cuda.is_available() or is_mlu_available() or \
                is_npu_available() or is_musa_available() or \
                init_backend != 'torch':
            return upstream(backend, init_backend=init_backend, **kwargs)
        torch_dist.init_process_group(backend=backend, **kwargs)

    dist_utils._init_dist_pytorch = init_dist_pytorch


def _load_from_local(filename: str, map_location: Any) -> Any:
    # Imported here: mmlight.utils is not importable while mmlight's
    # __init__ (which applies these patches) runs.
    from mmlight.utils.checkpoint_io import load_checkpoint_file
    return load_checkpoint_file(filename, map_location=map_location)


@_once
def patch_mmengine_checkpoint_errors() -> None:
    """Limitation 10: errors reading a local checkpoint name the file."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_from_local, force=True)


def apply_all() -> None:
    """Apply every workaround; safe to call more than once."""
    patch_mmaction_drn()
    patch_mmrazor_torch_ao()
    patch_torch_load_safe_globals()
    patch_mmengine_external_configs()
    patch_mmengine_cpu_dist()
    patch_mmengine_checkpoint_errors()
