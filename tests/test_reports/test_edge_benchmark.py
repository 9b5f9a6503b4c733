"""tools/benchmark.py's logic: entries, one measured row of each kind the
pipeline makes, the tables, the ratios against the targets, the plot (its
command line: tests/test_cli/test_benchmark_tool.py)."""
import os.path as osp

import pytest
import torch

from mmlight.reports import edge_benchmark as eb

from benchmark_rows import FP32, LIGHT, TEACHER

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_parse_entry():
    e = eb.parse_entry('t=configs/a.py,w/best.pth')
    assert (e['name'], e['config'], e['file'], e['kind']) == (
        't', 'configs/a.py', 'w/best.pth', 'torch')
    assert eb.parse_entry('q=a.py,m.pt2')['kind'] == 'pt2'
    assert eb.parse_entry('o=a.py,m.ONNX')['kind'] == 'onnx'
    assert eb.parse_entry('v=a.py,m.xml')['kind'] == 'openvino'
    untrained = eb.parse_entry('x3d=configs/fall_x3d_s.py')
    assert untrained['file'] is None and untrained['kind'] == 'torch'
    for bad in ('configs/a.py', '=a.py', 'n=', 'n=a.py,', 'n=a.py,b,c',
                'n=a.py,model.bin'):
        with pytest.raises(ValueError, match='model entry'):
            eb.parse_entry(bad)


def test_ratios_and_targets():
    r = eb.ratios(TEACHER, LIGHT)
    assert r['size'] == pytest.approx(200.0)
    assert r['memory'] == pytest.approx(15.0)
    assert r['fps'] == pytest.approx(20.0)
    assert r['max_fps'] == pytest.approx(20.0)
    assert r['train_memory'] is None  # an INT8 file does not train
    # the headline: fall / no-fall accuracy lost; top-1 beside it
    assert r['accuracy_drop'] == pytest.approx(1.0)
    assert r['top1_drop'] == pytest.approx(3.0)
    assert eb.meets_targets(r) is None  # no training memory
    assert eb.training_source([TEACHER, FP32, LIGHT], LIGHT) is FP32
    assert eb.training_source([TEACHER, FP32, LIGHT], FP32) is None
    r = eb.ratios(TEACHER, LIGHT, FP32)
    assert r['train_memory'] == pytest.approx(6.0)
    assert eb.meets_targets(r) is True

    def met(**changes):
        return eb.meets_targets(eb.ratios(TEACHER, dict(LIGHT, **changes),
                                          FP32))

    assert met(fall_accuracy=0.955) is False  # 2.5 points lost
    assert met(size_mb=20.0) is False  # only 5x smaller
    assert met(clips_per_s={1: 40.0}) is False  # only 4x the clips/s
    assert met(top1=0.84) is False  # own top-1 under 85%
    assert met(hard_negative_acc=0.94) is False  # lie-down vs fall < 95%
    assert met(fall_recall=0.9) is False
    # a fall / no-fall dataset has no lie-down class: not checked
    assert met(hard_negative_acc=None) is True
    # no fall accuracy: top-1 lost stands for it
    assert eb.ratios(TEACHER, dict(LIGHT, fall_accuracy=None))[
        'accuracy_drop'] == pytest.approx(3.0)
    assert met(fall_accuracy=None, top1=None) is None
    assert eb.meets_targets(eb.ratios(
        TEACHER, dict(FP32, peak_train_mb=1000.0))) is False  # 3x needs 3x


def test_tables():
    broken = dict(LIGHT, name='broken', error='RuntimeError: boom\nmore')
    untrained = dict(LIGHT, name='x3d', trained=False, top1=None)
    table = eb.format_edge_table([TEACHER, LIGHT, untrained, broken])
    lines = table.splitlines()
    assert lines[0].startswith('| model | size (MB) |')
    assert lines[0].endswith('| fall/no-fall acc (%) | fall recall (%) | '
                             'lie-down vs fall (%) | top-1 (%) |')
    assert lines[2] == ('| teacher | 100.000 | 25.000 | 2.0000 | 600.0 | '
                        '3000.0 | 10.0 | 100.00 | 20.0 (8) | 98.0 | 97.0 | '
                        '96.0 | 93.0 |')
    assert lines[3].startswith('| int8 | 0.500 | n/a | n/a | 40.0 | n/a |')
    assert lines[4].startswith('| x3d (untrained) |')
    assert '| broken (failed) |' in table and '- broken: RuntimeError: boom' \
        in table
    untrained = dict(untrained, fall_accuracy=None)
    ratio = eb.format_ratio_table([TEACHER, FP32, LIGHT, untrained, broken])
    rows = ratio.splitlines()
    assert rows[0].startswith('| teacher : model | smaller |')
    assert rows[2] == ('| fp32 | 50.0x | 1.0x | 6.0x | 1.0x | 1.0x | '
                       '+0.0 | +0.0 | no |')  # not 5x the clips/s
    # the INT8 file: its source's training memory (said below the table)
    assert rows[3] == ('| int8 | 200.0x | 15.0x | 6.0x | 20.0x | 20.0x | '
                       '+1.0 | +3.0 | yes |')
    assert 'int8 (fp32)' in ratio
    assert rows[4].endswith('| n/a | n/a | n/a |')  # untrained: no accuracy
    assert 'broken' not in ratio
    # another reference
    assert eb.format_ratio_table([TEACHER, LIGHT], 'int8').splitlines()[
        2].startswith('| teacher | 0.0x |')
    with pytest.raises(ValueError, match='reference'):
        eb.format_ratio_table([TEACHER], 'nope')


def test_plot(tmp_path):
    untrained = dict(LIGHT, name='x3d', trained=False, top1=None)
    path = eb.plot_edge_benchmark([TEACHER, LIGHT, untrained],
                                  str(tmp_path / 'plot.png'))
    with open(path, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    with pytest.raises(ValueError, match='nothing to plot'):
        eb.plot_edge_benchmark([dict(TEACHER, latency_ms=None)],
                               str(tmp_path / 'none.png'))


@pytest.mark.slow
def test_measure_entries(synthfall_tiny, tiny_config, tmp_path):
    """A trained row (weights-only size, every column), the same model as
    FP32 ONNX (file size, no training memory), a missing file."""
    from mmlight.deployment import build_recognizer
    from mmlight.deployment.onnx_export import export_onnx
    from mmlight.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = tiny_config('fall_mbv3s_tsm.py', synthfall_tiny)
    config = str(tmp_path / 'tiny.py')
    cfg.dump(config)
    torch.manual_seed(0)
    model = build_recognizer(cfg)
    ckpt = str(tmp_path / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={},
                    optimizer={'pad': torch.zeros(100000)}), ckpt)
    onnx = export_onnx(model, (1, 8, 3, 48, 64), str(tmp_path / 'tiny.onnx'))
    kwargs = dict(threads=1, batch_sizes=(1, 2), train_batch=2,
                  train_steps=2, min_iters=2, min_seconds=0.0,
                  max_test_batches=1)
    row = eb.measure_entry(eb.parse_entry(f'tiny={config},{ckpt}'),
                           str(tmp_path / 'bench'), **kwargs)
    assert row['error'] is None, row['error']
    weights = sum(t.numel() * t.element_size()
                  for t in model.state_dict().values()) / 2**20
    # the weights alone, not the checkpoint's optimizer state
    assert weights <= row['size_mb'] < weights * 1.2 + 0.1
    assert row['params'] == sum(p.numel() for p in model.parameters())
    assert row['flops'] > 0 and set(row['clips_per_s']) == {1, 2}
    assert row['max_clips_per_s'] == max(row['clips_per_s'].values())
    assert row['latency_ms'] == pytest.approx(1000 / row['clips_per_s'][1])
    assert row['peak_infer_mb'] > 0
    assert row['peak_train_mb'] > 0 and row['train_s_per_step'] > 0
    assert 0.0 <= row['top1'] <= 1.0 and row['fall_recall'] is not None

    onnx_row = eb.measure_entry(eb.parse_entry(f'onnx={config},{onnx}'),
                                str(tmp_path / 'bench'),
                                **dict(kwargs, memory=False))
    assert onnx_row['error'] is None, onnx_row['error']
    assert onnx_row['size_mb'] == pytest.approx(osp.getsize(onnx) / 2**20)
    assert onnx_row['params'] is None and onnx_row['peak_train_mb'] is None
    assert onnx_row['top1'] == pytest.approx(row['top1'])  # same network

    missing = eb.measure_entry(
        eb.parse_entry(f'gone={config},{tmp_path}/gone.pth'),
        str(tmp_path / 'bench'), **kwargs)
    assert 'gone.pth does not exist' in missing['error']

    # side by side: interleaved rounds fill the speed of the rows measured
    # without timing, skip the failed row
    entries = [eb.parse_entry(f'tiny={config},{ckpt}'),
               eb.parse_entry(f'onnx={config},{onnx}'),
               eb.parse_entry(f'gone={config},{tmp_path}/gone.pth')]
    rows = [eb.measure_entry(e, str(tmp_path / 'bench'), **dict(
        kwargs, memory=False, accuracy=False, timing=False))
        for e in entries]
    assert rows[0]['clips_per_s'] == {} and rows[0]['latency_ms'] is None
    eb.time_entries(entries, rows, threads=1, batch_sizes=(1, 2), rounds=2,
                    min_iters=2, min_seconds=0.0)
    for row in rows[:2]:
        assert row['error'] is None and row['timing_rounds'] == 2
        assert set(row['clips_per_s']) == {1, 2}
        assert row['max_clips_per_s'] == max(row['clips_per_s'].values())
    assert rows[2]['clips_per_s'] == {} and 'gone.pth' in rows[2]['error']
    assert 'median of 2 interleaved rounds' in eb.format_edge_table(rows)
    # a forward already loaded (measure_entry's keep) is timed as it is
    calls = []
    kept = {}
    eb.measure_entry(entries[0], str(tmp_path / 'bench'), keep=kept,
                     **dict(kwargs, memory=False, accuracy=False,
                            timing=False))
    assert kept == {}  # only compiled INT8 programs are kept
    tiny = eb._load_forward('torch', eb._entry_config(
        entries[0], None, None)[1], ckpt, 1)
    eb.time_entries(entries[:1], rows[:1], threads=1, batch_sizes=(1, ),
                    rounds=1, min_iters=1, min_seconds=0.0,
                    loaded={'tiny': lambda x: calls.append(1) or tiny(x)})
    assert calls and rows[0]['error'] is None
    with pytest.raises(ValueError, match='rounds'):
        eb.time_entries(entries, rows, rounds=0)


def test_output_path_is_under_the_work_dir_unless_absolute(tmp_path):
    assert eb.output_path('table.md', 'w/bench') == osp.join('w/bench',
                                                             'table.md')
    assert eb.output_path(str(tmp_path / 't.md'), 'w') == str(
        tmp_path / 't.md')
    assert eb.output_path('w/bench/plot.png', 'w/bench') == \
        'w/bench/plot.png'
    assert eb.output_path('w/benchmark.md', 'w/bench') == osp.join(
        'w/bench', 'w/benchmark.md')
    assert eb.output_path(None, 'w') is None
