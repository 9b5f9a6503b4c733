"""The helpers every report shares: cells, ratios, markdown, JSON,
``--cfg-options``, the fresh-process recognizer loader and running a
tool."""
import math
import sys

import pytest

from mmlight.measure.runtime import peak_memory
from mmlight.reports.common import (failed_section, failure_line,
                                    format_cell, format_times,
                                    load_tensor_forward, parse_cfg_options,
                                    ratio, run_tool, table_head, table_row,
                                    without_nan)


def test_format_cell():
    assert format_cell(0.5243, '.1f', 100) == '52.4'
    assert format_cell(931047, '.3f', 1e-6) == '0.931'
    assert format_cell(0, '.1f') == '0.0'
    # undefined figures: nothing measured, or no such clips
    assert format_cell(None, '.1f') == 'n/a'
    assert format_cell(float('nan'), '.1f', 100) == 'n/a'


def test_ratio_and_format_times():
    assert ratio(100.0, 8.0) == pytest.approx(12.5)
    assert ratio(0.0, 8.0) == 0.0
    assert ratio(None, 8.0) is None and ratio(1.0, None) is None
    assert ratio(1.0, 0) is None
    assert format_times(ratio(100.0, 8.0)) == '12.5x'
    assert format_times(ratio(100.0, 8.0), '.2f') == '12.50x'
    assert format_times(None) == 'n/a'


def test_markdown_and_failures():
    assert table_head(['a', 'b']) == ['| a | b |', '|---|---|']
    assert table_row(['x', '1.0']) == '| x | 1.0 |'
    assert failure_line('m', 'RuntimeError: boom\ntrace') == \
        '- m: RuntimeError: boom'
    assert failed_section([]) == []
    assert failed_section(['- m: e']) == ['', 'Failed:', '- m: e']


def test_without_nan():
    value = dict(a=float('nan'), b=[1.0, float('nan')], c=dict(d=math.nan),
                 e='x')
    assert without_nan(value) == dict(a=None, b=[1.0, None], c=dict(d=None),
                                      e='x')


def test_parse_cfg_options():
    assert parse_cfg_options(['a.b=1', 'c=x', 'd=(1,2)']) == {
        'a.b': 1, 'c': 'x', 'd': (1, 2)}
    with pytest.raises(ValueError, match='key=value'):
        parse_cfg_options(['oops'])


def test_run_tool_logs_and_fails_with_the_tail(tmp_path):
    log = tmp_path / 'run' / 'ok.log'
    run_tool([sys.executable, '-c', 'print("hello")'], str(log))
    assert log.read_text() == 'hello\n'

    script = tmp_path / 'bad.py'
    script.write_text('import sys\nprint("x" * 50 + "boom")\nsys.exit(3)\n')
    log = tmp_path / 'run' / 'bad.log'
    with pytest.raises(RuntimeError) as err:
        run_tool([sys.executable, str(script)], str(log), tail=10)
    message = str(err.value)
    assert message.startswith('bad.py failed with return code 3')
    assert str(log) in message and str(script) in message
    assert message.endswith('---\n' + 'xxxxxboom\n')  # the last 10
    assert log.read_text().endswith('boom\n')


def test_peak_memory_grows_with_the_model():
    small = peak_memory(load_tensor_forward, (dict(model=dict(
        type='Recognizer2D',
        backbone=dict(type='torchvision.mobilenet_v3_small',
                      width_mult=0.25),
        cls_head=dict(type='TSNHead', in_channels=144, num_classes=2,
                      average_clips='prob')), default_scope='mmlight'),
        None), (1, 2, 3, 32, 32), threads=1)
    assert 0 <= small < 200
