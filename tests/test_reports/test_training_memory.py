"""The training-memory table: every variant trains one real step in its
own process; the memory-aware sampler's largest batch stays in budget by
its own estimate."""
import pytest
import torch

from mmlight.reports import training_memory as tm

@pytest.mark.slow
def test_variants_and_sampler_row(synthfall_tiny, tiny_config):
    from mmlight.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = tiny_config('fall_mbv3s_tsm.py', synthfall_tiny)
    rows = tm.measure_training_memory(
        'tiny', cfg, batch_size=2, variants=['plain', 'AMP + checkpointing'],
        max_memory='64MB', threads=1, steps=2)
    assert [r['variant'] for r in rows] == [
        'plain', 'AMP + checkpointing',
        'memory-aware sampler (64MB, AMP + checkpointing)']
    for row in rows:
        assert row['error'] is None, row['error']
        assert row['peak_mb'] > 0 and row['s_per_step'] > 0
        assert row['clips_per_s'] == pytest.approx(row['batch'] /
                                                   row['s_per_step'])
    sampler = rows[-1]
    assert 1 <= sampler['batch'] <= 64
    assert 0 < sampler['estimate_mb'] <= 64
    table = tm.format_training_memory_table(rows)
    assert table.splitlines()[2].startswith('| tiny | plain | 2 |')
    assert '1.00x' in table.splitlines()[2]


def test_enable_checkpointing(tiny_tsm_config):
    from mmlight.registry import MODELS
    model = MODELS.build(tiny_tsm_config)
    assert not model.backbone.with_cp
    assert tm.enable_checkpointing(model) >= 1
    assert model.backbone.with_cp
    assert tm.enable_checkpointing(torch.nn.Linear(2, 2)) == 0


def test_unknown_variant():
    with pytest.raises(ValueError, match='unknown variants'):
        tm.measure_training_memory('tiny', None, variants=['fp8'])


def test_format_marks_failures():
    rows = [dict(model='m', variant='plain', batch=8, peak_mb=100.0,
                 s_per_step=0.5, clips_per_s=16.0, estimate_mb=None,
                 device='cpu', error=None),
            dict(model='m', variant='AMP', batch=8, peak_mb=None,
                 s_per_step=None, clips_per_s=None, estimate_mb=None,
                 device='cpu', error='RuntimeError: no bf16\ntrace')]
    table = tm.format_training_memory_table(rows)
    assert '| m | AMP | 8 | n/a | n/a |' in table
    assert '- m / AMP: RuntimeError: no bf16' in table


@pytest.mark.slow
def test_every_packed_batch_trains_on_its_own_clips(tmp_path):
    """Mixed clip sizes packed under a budget: every batch is trained on
    its real clips in its own process, its peak beside the estimate."""
    import os.path as osp

    from mmlight.datasets.synthfall import generate_dataset
    from mmlight.reports.benchmark import data_root_options
    from mmlight.reports.common import parse_cfg_options
    from mmlight.utils import load_config, register_all_modules
    register_all_modules(init_default_scope=True)
    root = str(tmp_path / 'mixed')
    generate_dataset(root, num_clips=14, seed=0, width=64, height=48,
                     num_frames=16, mixed=True, progress=False)
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg = load_config(osp.join(repo, 'configs', 'fall_mbv3s_tsm_mixed.py'),
                      parse_cfg_options(data_root_options(root,
                                                          num_workers=0)))
    cfg.train_dataloader.batch_sampler.size_cache = f'{root}/sizes.json'
    cfg.model.backbone.backbone.width_mult = 0.5
    cfg.model.cls_head.in_channels = 288
    rows = tm.measure_packed_batches(cfg, '128MB', batch_size=4, threads=1)
    n_train = len(open(f'{root}/train.txt').read().splitlines())
    assert sum(r['clips'] for r in rows) == n_train
    assert all(1 <= r['clips'] <= 4 for r in rows)
    for row in rows:
        assert row['error'] is None, row['error']
        assert 0 < row['estimate_mb'] <= 128 and row['peak_mb'] > 0
        t, h, w = (int(v) for v in row['largest'].split('x'))
        assert 12 <= t <= 24 and 30 <= h <= 60 and 40 <= w <= 80
    table = tm.format_packed_batches_table(rows)
    assert f'{len(rows)} of {len(rows)} packed batches trained' in table
    assert table.count('| yes |') + table.count('| NO |') == len(rows)
