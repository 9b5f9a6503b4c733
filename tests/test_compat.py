"""Each workaround in mmlight.compat: it works, and the upstream bug is
still there (a canary: when it fails, upstream is fixed and the workaround
can be deleted, as compat.py says)."""
import json
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import mmlight  # noqa: F401  (applies the workarounds)
from mmlight import compat


def run_python(code: str) -> dict:
    """Run code in a fresh interpreter (no mmlight imported) and return the
    JSON it prints last."""
    out = subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope='module')
def upstream_without_mmlight(tmp_path_factory) -> dict:
    """What the pinned stack does when mmlight is NOT imported."""
    ckpt = tmp_path_factory.mktemp('ckpt') / 'mmengine_like.pth'
    return run_python(f'''
        import json, warnings
        warnings.filterwarnings('ignore')
        res = {{}}
        try:
            import mmaction.models
            res['mmaction'] = 'ok'
        except ModuleNotFoundError as e:
            res['mmaction'] = str(e)
        try:
            import mmrazor.models
            res['mmrazor'] = 'ok'
        except ImportError as e:
            res['mmrazor'] = str(e)
        import numpy as np, torch
        from mmengine.logging import HistoryBuffer
        torch.save(dict(meta=dict(seed=np.int64(3)),
                        message_hub=dict(log_scalars=dict(
                            loss=HistoryBuffer([1.0, 2.0], [1, 1])))), {str(ckpt)!r})
        try:
            torch.load({str(ckpt)!r})
            res['torch_load'] = 'ok'
        except Exception as e:
            res['torch_load'] = type(e).__name__
        from mmengine.optim import AmpOptimWrapper
        try:
            AmpOptimWrapper(optimizer=torch.optim.SGD(
                [torch.nn.Parameter(torch.zeros(1))], lr=0.1))
            res['amp'] = 'ok'
        except AssertionError as e:
            res['amp'] = str(e)
        import inspect
        from mmengine.dist import utils as dist_utils
        res['dist_set_device'] = 'torch.cuda.set_device(local_rank)' in \
            inspect.getsource(dist_utils._init_dist_pytorch)
        print(json.dumps(res))
    ''')


def test_mmaction_models_imports():
    import mmaction.models  # noqa: F401
    from mmaction.registry import MODELS
    assert MODELS.get('Recognizer3D') is not None
    assert MODELS.get('ResNet3dSlowFast') is not None


def test_drn_stand_in_fails_loudly():
    from mmaction.models.localizers.drn.drn import DRN
    with pytest.raises(ImportError, match='missing from the installed'):
        DRN()


def test_canary_mmaction_wheel_still_lacks_drn(upstream_without_mmlight):
    assert 'localizers.drn' in upstream_without_mmlight['mmaction'], (
        'mmaction.models imports without mmlight: delete '
        'compat.patch_mmaction_drn')


def test_mmrazor_models_import_and_register():
    import mmrazor.models  # noqa: F401
    from mmrazor.registry import MODELS
    distiller = MODELS.get('ConfigurableDistiller')
    kl_cls = MODELS.get('KLDivergence')
    assert distiller is not None and kl_cls is not None
    # The losses do real work once import succeeds.
    kl = kl_cls(tau=1, loss_weight=1.0)
    logits = torch.randn(4, 7)
    assert kl(logits, logits).abs().item() < 1e-6
    assert kl(logits, torch.randn(4, 7)).item() > 0


def test_canary_mmrazor_still_broken_on_torch2(upstream_without_mmlight):
    assert upstream_without_mmlight['mmrazor'] != 'ok', (
        'mmrazor.models imports without mmlight: delete '
        'compat.patch_mmrazor_torch_ao')


def test_restored_fuser_helpers_keep_torch_113_semantics():
    from torch.ao.quantization import fuser_method_mappings as fmm

    def f(is_qat, *mods):
        return mods
    assert fmm.reverse2(f)(False, 'a', 'b') == ('b', 'a')
    assert fmm.reverse3(f)(False, 'a', ('b', 'c')) == ('c', 'b', 'a')
    assert fmm.reverse_sequential_wrapper2(lambda *m: m)(False, 1, 2) == (2,
                                                                         1)


def test_weights_only_load_of_mmengine_objects(tmp_path):
    from mmengine.logging import HistoryBuffer, MessageHub
    hub = MessageHub.get_instance('compat-test')
    hub.update_scalar('train/loss', np.float64(0.5))
    ckpt = dict(
        meta=dict(seed=np.int64(3), epoch=2, lr=np.float32(0.1)),
        message_hub=hub.state_dict(),
        state_dict=dict(w=torch.ones(2)))
    path = tmp_path / 'ckpt.pth'
    torch.save(ckpt, path)
    loaded = torch.load(path, weights_only=True)
    assert loaded['meta']['seed'] == 3
    buf = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer) and buf.current() == 0.5


class NotAllowListed:
    """A class mmengine never writes: must stay refused."""


def test_weights_only_still_refuses_other_globals(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save(dict(obj=NotAllowListed()), path)
    with pytest.raises(pickle.UnpicklingError, match='NotAllowListed'):
        torch.load(path, weights_only=True)


def test_canary_torch_load_still_refuses_mmengine(upstream_without_mmlight):
    assert upstream_without_mmlight['torch_load'] == 'UnpicklingError', (
        'torch.load reads mmengine objects without mmlight: delete '
        'compat.patch_torch_load_safe_globals')


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only canary')
def test_canary_mmengine_amp_still_asserts_gpu(upstream_without_mmlight):
    assert 'only available' in upstream_without_mmlight['amp'], (
        "mmengine's AmpOptimWrapper runs on CPU: mmlight's can go")


def test_external_mmlight_config_resolves(tmp_path):
    from mmengine.config import Config
    cfg_file = tmp_path / 'my_project_fall.py'
    cfg_file.write_text(
        "_base_ = ['mmlight::fall_mbv3_baseline.py']\n"
        "custom_imports = dict(imports=['mmlight'])\n"
        'train_cfg = dict(max_epochs=1)\n')
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.train_cfg.max_epochs == 1
    assert cfg.model.backbone.type == 'torchvision.mobilenet_v3_small'
    assert cfg.default_scope == 'mmlight'


def test_other_external_configs_keep_mmengine_behaviour():
    import mmengine.config.utils as config_utils
    assert config_utils._get_package_and_cfg_path(
        'mmaction::recognition/tsn/x.py') == ('mmaction2',
                                              'recognition/tsn/x.py')
    with pytest.raises(ValueError):
        config_utils._get_package_and_cfg_path('mmaction::x.py')


def test_patches_are_idempotent():
    before = list(compat._APPLIED)
    compat.apply_all()
    assert compat._APPLIED == before


def test_weights_only_refuses_getattr_beyond_history_buffer(tmp_path):
    import builtins

    class Gadget:
        def __reduce__(self):
            return builtins.getattr, (np.ndarray, 'tofile')

    path = tmp_path / 'gadget.pth'
    torch.save(dict(x=Gadget()), path)
    with pytest.raises(pickle.UnpicklingError, match='refused getattr'):
        torch.load(path, weights_only=True)


def test_cpu_processes_init_the_pytorch_launcher(monkeypatch):
    """A one-process gloo group through mmengine's init_dist, on a machine
    without CUDA (mmengine alone calls torch.cuda.set_device first)."""
    import torch.distributed as torch_dist
    from mmengine.dist import init_dist
    if torch.cuda.is_available():
        pytest.skip('CPU behaviour')
    for key, value in dict(RANK='0', LOCAL_RANK='0', WORLD_SIZE='1',
                           MASTER_ADDR='127.0.0.1',
                           MASTER_PORT='29571').items():
        monkeypatch.setenv(key, value)
    init_dist('pytorch', backend='gloo')
    try:
        assert torch_dist.get_world_size() == 1
        assert torch_dist.get_backend() == 'gloo'
    finally:
        torch_dist.destroy_process_group()


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only canary')
def test_canary_mmengine_pytorch_launcher_still_needs_cuda(
        upstream_without_mmlight):
    assert upstream_without_mmlight['dist_set_device'], (
        "mmengine's pytorch launcher no longer calls torch.cuda.set_device "
        'unconditionally: delete compat.patch_mmengine_cpu_dist')


def test_mmengine_checkpoint_errors_name_the_file(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint, load_from_local

    from mmlight.utils.checkpoint_io import CheckpointError
    bad = tmp_path / 'epoch_3.pth'
    torch.save(dict(w=torch.ones(256)), bad)
    bad.write_bytes(bad.read_bytes()[:200])
    # the path load_from, resume, auto-resume and tools/test.py take
    with pytest.raises(CheckpointError, match='truncated') as info:
        _load_checkpoint(str(bad), map_location='cpu')
    assert str(bad) in str(info.value)
    # canary: mmengine's own loader still says nothing about the file
    with pytest.raises(Exception) as upstream:
        load_from_local(str(bad), map_location='cpu')
    assert str(bad) not in str(upstream.value)
