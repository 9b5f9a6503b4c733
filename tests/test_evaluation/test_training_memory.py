"""The training-memory table: every variant trains one real step in its
own process; the memory-aware sampler's largest batch stays in budget by
its own estimate."""
import pytest

from mmlight.evaluation import training_memory as tm

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
