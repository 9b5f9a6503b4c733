"""The summary of ``make real``: the sim-to-real rows, the headline table
and the stream alerts of one run, from the files its steps wrote."""
import json
import os.path as osp
import re
from typing import Dict, List, Optional

from mmlight.reports.common import format_cell, table_row

__all__ = ['format_real_summary', 'read_test_metrics']

#: (row, work-dir folder, what it is), in the summary's order.
ROWS = (
    ('zero-shot from SynthFall', 'zeroshot',
     'student trained on SynthFall (7 actions) only'),
    ('Le2i from scratch', 'scratch', 'student trained on Le2i alone'),
    ('SynthFall-pretrained, fine-tuned', 'finetune',
     'student: SynthFall weights, fine-tuned on Le2i'),
    ('teacher', 'teacher', 'ShuffleNetV2-TSM trained on Le2i'),
    ('distilled', 'distill', 'the fine-tuned student distilled from the '
     'teacher'),
    ('pruned INT8 (PT2E)', 'int8', 'distilled, 40% channels pruned, '
     'fine-tuned, static INT8'),
)

_METRIC = re.compile(r'([\w/]+): (-?[0-9.]+(?:e-?\d+)?|nan)')


def read_test_metrics(log_file: str) -> Optional[Dict[str, float]]:
    """The metrics of the last ``Epoch(test)`` line of a test log.

    Returns:
        dict | None: Metric name to value (``acc/top1`` as a fraction,
        ``fall/*`` in percent), or None without such a line.
    """
    if not osp.isfile(log_file):
        return None
    found = None
    with open(log_file) as f:
        for line in f:
            if 'Epoch(test)' in line and ('acc/' in line
                                          or 'fall/' in line):
                found = line
    if found is None:
        return None
    return {k: float(v) for k, v in _METRIC.findall(found)}


def format_real_summary(work_dir: str) -> str:
    """The summary as markdown.

    Args:
        work_dir (str): ``make real``'s work dir (``RW``).

    Returns:
        str: Three sections: the window accuracy of every step on the Le2i
        test windows, the headline table (``benchmark/table.md``) and the
        stream alerts over the whole test videos (``stream/*_test.json``).
    """
    lines: List[str] = [
        '## Le2i test windows (fall / no fall)', '',
        '| model | what | fall/no-fall acc (%) | balanced acc (%) | '
        'fall recall (%) | fall precision (%) |', '|---|---|---|---|---|---|']
    for name, folder, what in ROWS:
        m = read_test_metrics(osp.join(work_dir, folder, 'test.log')) or {}
        lines.append(table_row([name, what] + [
            format_cell(m.get(f'fall/{key}'), '.1f')
            for key in ('fall_acc', 'balanced_acc', 'fall_recall',
                        'fall_precision')]))
    table = osp.join(work_dir, 'benchmark', 'table.md')
    if osp.isfile(table):
        with open(table) as f:
            lines += ['', '## The headline table (tools/benchmark.py, Le2i '
                      'test windows)', '', f.read().strip()]
    lines += ['', '## Stream alerts over the whole Le2i test videos (alarm '
              'chosen on the val videos)', '',
              '| model | recall | precision | mean delay (s) | false alarms '
              '| no-fall video (min) | false alarms / h | post-fall alerts '
              '| alarm |', '|---|---|---|---|---|---|---|---|---|']
    for name in ('teacher', 'int8_onnx'):
        path = osp.join(work_dir, 'stream', f'{name}_test.json')
        if not osp.isfile(path):
            continue
        with open(path) as f:
            result = json.load(f)
        g = result['figures']
        alarm = ', '.join(f'{k} {v}' for k, v in result['alarm'].items())
        lines.append(
            f'| {name} | {g["recall"]:.3f} ({g["detected"]}/{g["falls"]}) | '
            f'{g["precision"]:.3f} | {g["mean_delay"]:.2f} | '
            f'{g["false_alarms"]} | {g["no_fall_hours"] * 60:.1f} | '
            f'{g["false_alarms_per_hour"]:.2f} | {g["post_fall_alerts"]} | '
            f'{alarm} |')
    return '\n'.join(lines) + '\n'
