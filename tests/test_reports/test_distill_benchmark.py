import importlib.util
import json
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest

from mmlight.reports import common
from mmlight.reports.distill_benchmark import (DISTILLED, STUDENT, TEACHER,
                                                  find_student_checkpoint,
                                                  format_distill_table,
                                                  run_distill_benchmark,
                                                  summarize)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(REPO, 'tools')
TEACHER_CFG = osp.join(REPO, 'configs', 'fall_slowonly_r18_teacher.py')
STUDENT_CFG = osp.join(REPO, 'configs', 'fall_mbv3s_tsm.py')
DISTILL_CFG = osp.join(REPO, 'configs', 'fall_mbv3_distill.py')
# The configs' classes: lie_down = 5, fall = 6.
GT = [0, 1, 2, 3, 4, 5, 6, 6, 5, 6]


def _metrics(top1, recall=0.5, hard=0.75):
    return dict(top1=top1, mean_class_acc=top1, fall_recall=recall,
                fall_precision=1.0, hard_negative_acc=hard)


def test_summarize():
    mean, std = summarize([0.5, 0.7, 0.9])
    assert mean == pytest.approx(0.7)
    assert std == pytest.approx(0.2)  # ddof=1: sqrt(0.08 / 2)
    assert summarize([0.25]) == (0.25, 0.0)
    mean, std = summarize([1, 2, 3, 4])
    assert (mean, std) == pytest.approx((2.5, 1.2909944))
    with pytest.raises(ValueError, match='no values'):
        summarize([])


def test_format_distill_table():
    results = {
        TEACHER: [_metrics(0.9, 1.0, 0.95)],
        STUDENT: [_metrics(t) for t in (0.6, 0.7, 0.8)],
        DISTILLED: [_metrics(t, r) for t, r in ((0.75, 0.5), (0.8, 0.6),
                                                (0.85, 0.7))],
    }
    lines = format_distill_table(results).splitlines()
    assert lines[0] == ('| model | runs | top-1 (%) | fall recall (%) '
                        '| hard-neg acc (%) |')
    assert lines[1] == '|---' * 5 + '|'
    assert lines[2] == ('| teacher | 1 | 90.0 ± 0.0 | 100.0 ± 0.0 '
                        '| 95.0 ± 0.0 |')
    assert lines[3] == ('| student alone | 3 | 70.0 ± 10.0 | 50.0 ± 0.0 '
                        '| 75.0 ± 0.0 |')
    assert lines[4] == ('| distilled student | 3 | 80.0 ± 5.0 | 60.0 ± 10.0 '
                        '| 75.0 ± 0.0 |')
    # (80 - 70) / (90 - 70) = 50 %.
    assert lines[-1].startswith('Gap closed (top-1): 50.0% = ')


def test_format_distill_table_gap_edge_cases():
    same = {TEACHER: [_metrics(0.7)], STUDENT: [_metrics(0.7)],
            DISTILLED: [_metrics(0.8, hard=float('nan'))]}
    table = format_distill_table(same)
    assert 'Gap closed (top-1): n/a' in table
    assert ('| distilled student | 1 | 80.0 ± 0.0 | 50.0 ± 0.0 | n/a |'
            in table)
    # Without all three rows there is no gap line; rows keep their order.
    partial = format_distill_table({STUDENT: [_metrics(0.6)],
                                    TEACHER: [_metrics(0.9)]})
    assert 'Gap closed' not in partial
    assert partial.index('student alone') < partial.index('teacher')


def test_find_student_checkpoint(tmp_path):
    for i, name in enumerate([
            'best_acc_top1_epoch_3_student.pth', 'epoch_12_student.pth',
            'best_acc_top1_epoch_9.pth', 'best_acc_top1_epoch_7_student.pth'
    ]):
        (tmp_path / name).write_bytes(b'')
        os.utime(tmp_path / name, (1000 + i, 1000 + i))
    assert find_student_checkpoint(str(tmp_path)) == str(
        tmp_path / 'best_acc_top1_epoch_7_student.pth')
    os.utime(tmp_path / 'best_acc_top1_epoch_3_student.pth', (2000, 2000))
    assert find_student_checkpoint(str(tmp_path)).endswith(
        'epoch_3_student.pth')

    empty = tmp_path / 'empty'
    empty.mkdir()
    (empty / 'best_acc_top1_epoch_1.pth').write_bytes(b'')
    with pytest.raises(FileNotFoundError, match=str(empty)):
        find_student_checkpoint(str(empty))
    missing = str(tmp_path / 'missing')
    with pytest.raises(FileNotFoundError, match='does not exist'):
        find_student_checkpoint(missing)


class FakeTools:
    """Stands in for ``subprocess.run`` of tools/train.py and test.py: it
    records each command and writes what the real tool would."""

    def __init__(self, fail_on=None):
        self.commands = []
        self.fail_on = fail_on

    def __call__(self, cmd, **kwargs):
        assert kwargs.get('check') is False
        self.commands.append(list(cmd))
        tool = osp.basename(cmd[1])
        work_dir = cmd[cmd.index('--work-dir') + 1]
        name = osp.basename(work_dir)
        if self.fail_on is not None and self.fail_on in name:
            return subprocess.CompletedProcess(
                cmd, 3, stdout='x' * 5000 + 'Traceback: boom')
        os.makedirs(work_dir, exist_ok=True)
        if tool == 'train.py':
            open(osp.join(work_dir, 'best_acc_top1_epoch_2.pth'), 'w').close()
            # StudentCheckpointHook's export (the shipped config: the
            # checkout's or the installed .mim copy)
            if osp.basename(cmd[2]) == osp.basename(DISTILL_CFG):
                open(osp.join(work_dir, 'best_acc_top1_epoch_2_student.pth'),
                     'w').close()
        else:
            # teacher: all right; student_seed{s}: 3 + s wrong;
            # distill_seed{s}: 1 + s wrong (clips 0, 1, ...).
            wrong = (0 if name == 'teacher' else
                     int(name[-1]) + (3 if name.startswith('student') else 1))
            samples = []
            for i, label in enumerate(GT):
                pred = (label + 1) % 7 if i < wrong else label
                samples.append(dict(pred_score=np.eye(7)[pred],
                                    gt_label=np.array([label])))
            with open(cmd[cmd.index('--dump') + 1], 'wb') as f:
                pickle.dump(samples, f)
        return subprocess.CompletedProcess(cmd, 0, stdout=f'{tool} ok\n')


@pytest.fixture
def teacher_ckpt(tmp_path):
    path = tmp_path / 'teacher.pth'
    path.write_bytes(b'')
    return str(path)


def _split(commands, tool):
    return [c for c in commands if osp.basename(c[1]) == tool]


def test_run_distill_benchmark_commands_and_results(tmp_path, monkeypatch,
                                                    teacher_ckpt):
    fake = FakeTools()
    monkeypatch.setattr(common.subprocess, 'run', fake)
    work = str(tmp_path / 'bench')
    data_root = str(tmp_path / 'data')
    results = run_distill_benchmark(
        TEACHER_CFG, teacher_ckpt, STUDENT_CFG, DISTILL_CFG, work, TOOLS,
        seeds=(0, 1, 2), data_root=data_root, epochs=2,
        cfg_options=['train_dataloader.batch_size=2'])

    assert all(c[0] == sys.executable for c in fake.commands)
    trains, tests = _split(fake.commands, 'train.py'), _split(
        fake.commands, 'test.py')
    assert len(trains) == 6 and len(tests) == 7
    override = f'model.teacher_ckpt={osp.abspath(teacher_ckpt)}'
    for seed in (0, 1, 2):
        student, distill = [
            c for c in trains
            if c[c.index('--work-dir') + 1].endswith(f'_seed{seed}')]
        assert student[2] == STUDENT_CFG and distill[2] == DISTILL_CFG
        for cmd in (student, distill):
            # --seed precedes --cfg-options, whose list runs to the end.
            assert cmd[cmd.index('--seed') + 1] == str(seed)
            assert cmd.index('--seed') < cmd.index('--cfg-options')
            assert cmd[cmd.index('--epochs') + 1] == '2'
            assert 'train_dataloader.batch_size=2' in cmd
            assert (f'test_dataloader.dataset.data_prefix.video='
                    f'{osp.abspath(data_root)}') in cmd
        assert override in distill[distill.index('--cfg-options'):]
        assert override not in student
    # The teacher is tested once, with its own config and checkpoint.
    teacher_tests = [c for c in tests if c[2] == TEACHER_CFG]
    assert len(teacher_tests) == 1 and teacher_tests[0][3] == teacher_ckpt
    # The distilled student is tested from its export, with the plain
    # student config.
    for seed in (0, 1, 2):
        cmd, = [c for c in tests
                if c[c.index('--work-dir') + 1].endswith(
                    f'distill_seed{seed}')]
        assert cmd[2] == STUDENT_CFG
        assert cmd[3] == osp.join(work, f'distill_seed{seed}',
                                  'best_acc_top1_epoch_2_student.pth')
    assert all(override not in c for c in tests)

    assert [len(results[k]) for k in (TEACHER, STUDENT, DISTILLED)] == [
        1, 3, 3]
    assert results[TEACHER][0]['top1'] == 1.0
    assert [r['top1'] for r in results[STUDENT]] == pytest.approx(
        [0.7, 0.6, 0.5])
    assert [r['top1'] for r in results[DISTILLED]] == pytest.approx(
        [0.9, 0.8, 0.7])
    assert [r['seed'] for r in results[DISTILLED]] == [0, 1, 2]
    with open(osp.join(work, 'results.json')) as f:
        saved = json.load(f)
    assert [len(saved[k]) for k in (TEACHER, STUDENT, DISTILLED)] == [1, 3, 3]
    # Every child's output is in a log beside its run.
    for run in ('student_seed1', 'distill_seed2'):
        for log in ('train.log', 'test.log'):
            assert osp.isfile(osp.join(work, run, log))
    assert open(osp.join(work, 'teacher', 'test.log')).read() == 'test.py ok\n'
    # Gap closed: (80 - 60) / (100 - 60) = 50 %.
    assert 'Gap closed (top-1): 50.0%' in format_distill_table(results)


def test_run_distill_benchmark_resumes(tmp_path, monkeypatch, teacher_ckpt):
    work = str(tmp_path / 'bench')
    args = (TEACHER_CFG, teacher_ckpt, STUDENT_CFG, DISTILL_CFG, work, TOOLS)
    monkeypatch.setattr(common.subprocess, 'run', FakeTools())
    run_distill_benchmark(*args, seeds=(0, 1))

    # Finished runs are not trained again; a run interrupted by this
    # benchmark (train.log, a best_*.pth, no train.done) is.
    os.remove(osp.join(work, 'student_seed1', 'train.done'))
    fake = FakeTools()
    monkeypatch.setattr(common.subprocess, 'run', fake)
    results = run_distill_benchmark(*args, seeds=(0, 1))
    trains = _split(fake.commands, 'train.py')
    assert [c[c.index('--work-dir') + 1] for c in trains] == [
        osp.join(work, 'student_seed1')]
    assert len(_split(fake.commands, 'test.py')) == 5
    assert [len(results[k]) for k in (TEACHER, STUDENT, DISTILLED)] == [
        1, 2, 2]

    # skip_train never trains; a missing checkpoint is an error.
    fake = FakeTools()
    monkeypatch.setattr(common.subprocess, 'run', fake)
    with pytest.raises(FileNotFoundError, match='student_seed5'):
        run_distill_benchmark(*args, seeds=(0, 5), skip_train=True)
    assert not _split(fake.commands, 'train.py')


def test_run_distill_benchmark_failure(tmp_path, monkeypatch, teacher_ckpt):
    work = str(tmp_path / 'bench')
    monkeypatch.setattr(common.subprocess, 'run',
                        FakeTools(fail_on='distill_seed0'))
    with pytest.raises(RuntimeError) as err:
        run_distill_benchmark(TEACHER_CFG, teacher_ckpt, STUDENT_CFG,
                              DISTILL_CFG, work, TOOLS, seeds=(0, ))
    message = str(err.value)
    assert 'return code 3' in message and DISTILL_CFG in message
    assert message.endswith('x' * (3000 - 15) + 'Traceback: boom')
    assert 'x' * 3001 not in message
    log = osp.join(work, 'distill_seed0', 'train.log')
    assert open(log).read().endswith('Traceback: boom')
    assert not osp.exists(osp.join(work, 'distill_seed0', 'train.done'))
    # What finished before the failure is saved.
    with open(osp.join(work, 'results.json')) as f:
        saved = json.load(f)
    assert [len(saved[k]) for k in (TEACHER, STUDENT, DISTILLED)] == [1, 1, 0]

    with pytest.raises(FileNotFoundError, match='teacher checkpoint'):
        run_distill_benchmark(TEACHER_CFG, str(tmp_path / 'none.pth'),
                              STUDENT_CFG, DISTILL_CFG, work, TOOLS)


def test_cli_prints_table(tmp_path, monkeypatch, capsys, teacher_ckpt):
    spec = importlib.util.spec_from_file_location(
        'benchmark_distill', osp.join(TOOLS, 'analysis',
                                      'benchmark_distill.py'))
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    fake = FakeTools()
    monkeypatch.setattr(common.subprocess, 'run', fake)
    out = str(tmp_path / 'table.md')
    assert cli.main(['--teacher-ckpt', teacher_ckpt, '--work-dir',
                     str(tmp_path / 'w'), '--seeds', '3', '--epochs', '1',
                     '--out', out]) == 0
    printed = capsys.readouterr().out
    assert '| distilled student | 1 | 60.0 ± 0.0 |' in printed
    assert open(out).read() == printed
    # the defaults are the shipped configs (the installed .mim copy when
    # mmlight is installed)
    from mmlight.cli.common import shipped_dir
    configs = shipped_dir('configs')
    assert {c[2] for c in fake.commands} == {
        osp.join(configs, osp.basename(p))
        for p in (TEACHER_CFG, STUDENT_CFG, DISTILL_CFG)}


def test_gap_closed_is_not_reported_when_the_student_beats_the_teacher():
    from mmlight.reports.distill_benchmark import format_distill_table

    def runs(*top1):
        return [dict(top1=t, fall_recall=1.0, hard_negative_acc=1.0)
                for t in top1]

    table = format_distill_table({
        'teacher': runs(0.80), 'student alone': runs(0.85, 0.87),
        'distilled student': runs(0.75, 0.79)})
    assert 'no gap: the student alone is 6.0 points above the teacher' \
        in table and 'distilled - alone = -9.0' in table
