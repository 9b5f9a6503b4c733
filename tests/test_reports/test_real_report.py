"""make real's summary from the files its steps write."""
import json

from mmlight.reports.real_report import (format_real_summary,
                                            read_test_metrics)

TEST_LINE = ('12/02 01:10:00 - mmengine - INFO - Epoch(test) [25/25]    '
             'acc/top1: 0.9120  acc/top5: 1.0000  fall/fall_acc: 91.2000  '
             'fall/balanced_acc: 90.5000  fall/fall_recall: 88.0000  '
             'fall/no_fall_acc: 93.0000  fall/fall_precision: 85.1000  '
             'data_time: 0.01  time: 0.05\n')


def test_reads_the_last_test_line(tmp_path):
    log = tmp_path / 'test.log'
    log.write_text('Epoch(test) [1/25] eta: 0:00:10\n' + TEST_LINE)
    m = read_test_metrics(str(log))
    assert m['acc/top1'] == 0.912 and m['fall/fall_recall'] == 88.0
    assert read_test_metrics(str(tmp_path / 'none.log')) is None


def test_summary_has_the_three_sections(tmp_path):
    for folder in ('zeroshot', 'finetune'):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / 'test.log').write_text(TEST_LINE)
    (tmp_path / 'benchmark').mkdir()
    (tmp_path / 'benchmark' / 'table.md').write_text('| model |\n|---|\n')
    (tmp_path / 'stream').mkdir()
    (tmp_path / 'stream' / 'int8_onnx_test.json').write_text(json.dumps(dict(
        alarm=dict(on_threshold=0.8, min_on=2),
        figures=dict(recall=0.9565, detected=22, falls=23, precision=1.0,
                     mean_delay=1.21, false_alarms=0, no_fall_hours=0.07,
                     false_alarms_per_hour=0.0, post_fall_alerts=1))))
    text = format_real_summary(str(tmp_path))
    assert '| zero-shot from SynthFall |' in text
    assert '| 91.2 | 90.5 | 88.0 | 85.1 |' in text
    assert '| Le2i from scratch | student trained on Le2i alone | n/a |' \
        in text
    assert '| model |' in text  # the headline table, included
    assert '| int8_onnx | 0.957 (22/23) | 1.000 | 1.21 | 0 | 4.2 | 0.00 | ' \
        '1 | on_threshold 0.8, min_on 2 |' in text
