import json
import math
import os
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from torch import nn

from mmlight.reports.benchmark import (benchmark_config,
                                       build_test_command,
                                       build_train_command,
                                       data_root_options, find_checkpoint,
                                       format_table, load_classes,
                                       measure_throughput, write_json)
from mmlight.reports.common import parse_cfg_options
from mmlight.utils import load_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASELINE = osp.join(REPO, 'configs', 'fall_mbv3_baseline.py')
TOOLS = osp.join(REPO, 'tools')

ROWS = [
    dict(name='fall_mbv3_baseline', params=931047, flops=34672064.0,
         clips_per_s=141.83, peak_mem_mb=26.14, top1=0.524,
         fall_recall=0.8333, hard_negative_acc=float('nan'), error=None),
    dict(name='broken', params=2000000, flops=None, clips_per_s=None,
         peak_mem_mb=None, top1=None, fall_recall=None,
         hard_negative_acc=None,
         error='RuntimeError: train.py exited with 1\nlog tail'),
]


def test_format_table():
    table = format_table(ROWS, threads=2)
    lines = table.splitlines()
    assert lines[0] == (
        '| model | params (M) | GFLOPs/clip | CPU clips/s (bs1, 2 threads) '
        '| peak mem (MB, cpu) | top-1 (%) | fall recall (%) '
        '| hard-neg acc (%) |')
    assert lines[1] == '|---' * 8 + '|'
    assert lines[2] == ('| fall_mbv3_baseline | 0.931 | 0.0347 | 141.8 | '
                        '26.1 | 52.4 | 83.3 | n/a |')
    assert lines[3] == ('| broken (failed) | 2.000 | n/a | n/a | n/a | n/a '
                        '| n/a | n/a |')
    # The footer says what is measured, and lists the failure's first line.
    assert 'peak RSS' in table and 'inference_mode' in table
    assert '- broken: RuntimeError: train.py exited with 1' in table
    assert 'log tail' not in table
    assert 'CPU clips/s (bs1, 4 threads)' in format_table(ROWS[:1], 4)
    assert 'Failed' not in format_table(ROWS[:1])


def test_write_json_keeps_raw_numbers(tmp_path):
    path = str(tmp_path / 'sub' / 'r.json')
    write_json(ROWS, path)
    with open(path) as f:
        rows = json.load(f)
    assert rows[0]['flops'] == 34672064.0
    assert rows[0]['hard_negative_acc'] is None  # NaN is not JSON
    assert rows[1]['error'].startswith('RuntimeError')


def test_measure_throughput_tiny_model():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()).train()
    threads = torch.get_num_threads()
    speed = measure_throughput(model, (1, 3, 16, 16), threads=1,
                               min_iters=3, min_seconds=0.01, warmup=1)
    assert speed > 0 and math.isfinite(speed)
    assert torch.get_num_threads() == threads  # restored
    assert model.training
    with pytest.raises(ValueError, match='min_iters'):
        measure_throughput(model, (1, 3, 16, 16), min_iters=0)


def test_find_checkpoint_newest_best(tmp_path):
    for i, name in enumerate(['best_acc_top1_epoch_3.pth', 'epoch_9.pth',
                              'best_acc_top1_epoch_7.pth']):
        (tmp_path / name).write_bytes(b'')
        os.utime(tmp_path / name, (1000 + i, 1000 + i))
    # epoch_9 is newer than the first best but is no best checkpoint.
    assert find_checkpoint(str(tmp_path)) == str(
        tmp_path / 'best_acc_top1_epoch_7.pth')
    os.utime(tmp_path / 'best_acc_top1_epoch_3.pth', (2000, 2000))
    assert find_checkpoint(str(tmp_path)).endswith('epoch_3.pth')


def test_find_checkpoint_errors_name_the_directory(tmp_path):
    missing = tmp_path / 'nope'
    with pytest.raises(FileNotFoundError, match=f'{missing} does not exist'):
        find_checkpoint(str(missing))
    (tmp_path / 'epoch_1.pth').write_bytes(b'')
    with pytest.raises(FileNotFoundError, match=f'no best.*in {tmp_path}'):
        find_checkpoint(str(tmp_path))


def test_data_root_options_point_all_loaders_there():
    opts = data_root_options('/d/sf')
    assert opts == [
        'train_dataloader.dataset.ann_file=/d/sf/train.txt',
        'train_dataloader.dataset.data_prefix.video=/d/sf',
        'val_dataloader.dataset.ann_file=/d/sf/val.txt',
        'val_dataloader.dataset.data_prefix.video=/d/sf',
        'test_dataloader.dataset.ann_file=/d/sf/test.txt',
        'test_dataloader.dataset.data_prefix.video=/d/sf',
    ]
    cfg = load_config(BASELINE, parse_cfg_options(
        opts + ['test_dataloader.num_workers=0',
                'test_dataloader.persistent_workers=False']))
    for split in ('train', 'val', 'test'):
        dataset = cfg[f'{split}_dataloader'].dataset
        assert dataset.ann_file == f'/d/sf/{split}.txt'
        assert dataset.data_prefix.video == '/d/sf'
    assert cfg.test_dataloader.num_workers == 0
    assert cfg.test_dataloader.persistent_workers is False


def test_commands():
    train = build_train_command('c.py', 'w/c', '/t', epochs=3,
                                cfg_options=['a=1'])
    assert train == [sys.executable, '/t/train.py', 'c.py', '--work-dir',
                     'w/c', '--epochs', '3', '--cfg-options', 'a=1']
    assert '--epochs' not in build_train_command('c.py', 'w/c', '/t')
    test = build_test_command('c.py', 'w/c/best.pth', 'w/c', 'w/c/p.pkl',
                              '/t')
    assert test == [sys.executable, '/t/test.py', 'c.py', 'w/c/best.pth',
                    '--work-dir', 'w/c', '--dump', 'w/c/p.pkl']


def test_load_classes(tmp_path):
    cfg = Config(dict(classes=('a', 'b')))
    assert load_classes(cfg) == ['a', 'b']
    assert load_classes(cfg, str(tmp_path)) == ['a', 'b']  # no classes.txt
    (tmp_path / 'classes.txt').write_text('walk\nfall\n\n')
    assert load_classes(cfg, str(tmp_path)) == ['walk', 'fall']
    with pytest.raises(ValueError, match='classes'):
        load_classes(Config({}))


def test_benchmark_config_skip_train_without_checkpoint(tmp_path):
    # Cost is measured (memory in a spawned process) before the missing
    # checkpoint fails the row; the function itself does not raise.
    row = benchmark_config(BASELINE, str(tmp_path), TOOLS, skip_train=True,
                           threads=1, min_iters=2, min_seconds=0)
    assert row['name'] == 'fall_mbv3_baseline'
    assert row['input_shape'] == [1, 8, 3, 48, 64]
    assert row['params'] == 931047 and row['flops'] > 0
    assert row['clips_per_s'] > 0
    # Weights alone are 0.93M float32 = 3.6 MB.
    assert 3.5 < row['peak_mem_mb'] < 500
    assert row['top1'] is None
    assert 'FileNotFoundError' in row['error']
    assert str(tmp_path / 'fall_mbv3_baseline') in row['error']


def _load_tool():
    import importlib.util
    path = osp.join(TOOLS, 'analysis', 'benchmark_models.py')
    spec = importlib.util.spec_from_file_location('benchmark_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_cli_skip_train_tests_existing_checkpoint(synthfall_tiny, tmp_path,
                                                  capsys):
    from mmlight.deployment.recognizer import build_recognizer
    work = tmp_path / 'bench'
    run_dir = work / 'fall_mbv3_baseline'
    run_dir.mkdir(parents=True)
    model = build_recognizer(load_config(BASELINE))
    torch.save(dict(meta=dict(), state_dict=model.state_dict()),
               run_dir / 'best_acc_top1_epoch_1.pth')
    small = [f'{split}_dataloader.{key}'
             for split in ('train', 'val', 'test')
             for key in ('num_workers=0', 'persistent_workers=False')]
    code = _load_tool().main([
        BASELINE, osp.join(tmp_path, 'missing_config.py'), '--work-dir',
        str(work), '--data-root', str(synthfall_tiny), '--skip-train',
        '--threads', '1', '--min-iters', '2', '--min-seconds', '0',
        '--out', str(tmp_path / 't.md'), '--json', str(tmp_path / 'r.json'),
        '--cfg-options', *small
    ])
    out = capsys.readouterr().out
    assert code == 1  # the missing config failed, the baseline did not
    assert (run_dir / 'test_preds.pkl').is_file()
    rows = json.loads((tmp_path / 'r.json').read_text())
    assert rows[0]['error'] is None, rows[0]['error']
    from mmlight.reports import load_predictions
    gt, _ = load_predictions(str(run_dir / 'test_preds.pkl'))
    lines = (synthfall_tiny / 'test.txt').read_text().strip().splitlines()
    assert len(gt) == len(lines) > 0  # the whole tiny test split
    assert 0 <= rows[0]['top1'] <= 1
    assert rows[0]['checkpoint'].endswith('best_acc_top1_epoch_1.pth')
    assert rows[1]['error'] and 'missing_config' in rows[1]['error']
    assert '| fall_mbv3_baseline | 0.931 |' in out
    assert '| missing_config (failed) |' in out
    assert (tmp_path / 't.md').read_text().strip() in out
