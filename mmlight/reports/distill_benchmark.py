"""Does distillation help? The same student trained with and without it.

The logic behind ``tools/analysis/benchmark_distill.py``: the teacher is
tested once; then, for each seed, the student config is trained alone and
the distillation config is trained with the same schedule and seed, and
both are tested on the test split. The distilled run is tested from its
``best_*_student.pth`` with the *plain student config*, which also proves
that the exported student loads without the distillation wrapper. Training
and testing run the standard ``tools/train.py`` / ``tools/test.py`` in
child processes, as a user would; each child's output goes to
``<run dir>/train.log`` or ``<run dir>/test.log``.

Layout of ``work_dir``::

    teacher/            test.log, preds.pkl
    student_seed{s}/    the student alone: train.log, best_*.pth, preds.pkl
    distill_seed{s}/    distilled: train.log, best_*_student.pth, preds.pkl
    results.json        every run's figures, rewritten after each run
"""
import glob
import json
import math
import os
import os.path as osp
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmlight.reports.accuracy import fall_metrics, load_predictions
from mmlight.reports.benchmark import (build_test_command,
                                       build_train_command, find_checkpoint,
                                       load_classes, with_data_root)
from mmlight.reports.common import (run_tool, table_head, table_row,
                                    without_nan)

__all__ = [
    'TEACHER', 'STUDENT', 'DISTILLED', 'find_student_checkpoint',
    'summarize', 'format_distill_table', 'run_distill_benchmark'
]

TEACHER = 'teacher'
STUDENT = 'student alone'
DISTILLED = 'distilled student'

# Written after a training child succeeded: a best_*.pth alone may be left
# by an interrupted run, which must not be mistaken for a finished one.
_DONE = 'train.done'
_COLUMNS = (('top1', 'top-1 (%)'), ('fall_recall', 'fall recall (%)'),
            ('hard_negative_acc', 'hard-neg acc (%)'))


def find_student_checkpoint(work_dir: str) -> str:
    """The newest ``best_*_student.pth`` of a distillation run.

    ``StudentCheckpointHook`` writes these after training, beside the best
    checkpoint; they load with the plain student config.

    Args:
        work_dir (str): A distillation run's work directory.

    Returns:
        str: Path of the most recently modified ``best_*_student.pth``.

    Raises:
        FileNotFoundError: The directory does not exist or holds no
            ``best_*_student.pth``; the message names the directory.
    """
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'no student checkpoint: work directory '
                                f'{work_dir} does not exist')
    found = glob.glob(osp.join(work_dir, 'best_*_student.pth'))
    if not found:
        raise FileNotFoundError(
            f'no best_*_student.pth checkpoint in {work_dir} (written by '
            'StudentCheckpointHook when a distillation run finishes)')
    return max(found, key=lambda p: (osp.getmtime(p), p))


def summarize(values: Sequence[float]) -> Tuple[float, float]:
    """Mean and sample standard deviation.

    Args:
        values (Sequence[float]): One figure per run; a NaN makes both NaN.

    Returns:
        tuple[float, float]: The mean and the standard deviation with
        ``ddof=1`` (0.0 for a single value).

    Raises:
        ValueError: ``values`` is empty.
    """
    arr = np.asarray(list(values), dtype=np.float64)
    if arr.size == 0:
        raise ValueError('summarize: no values')
    mean = float(arr.mean())
    std = float(arr.std(ddof=1)) if arr.size > 1 else (
        0.0 if math.isfinite(mean) else float('nan'))
    return mean, std


def _pm(values: Sequence[float]) -> str:
    """``mean ± std`` in percent, 1 decimal; ``n/a`` when undefined."""
    mean, std = summarize(values)
    if not math.isfinite(mean):
        return 'n/a'
    return f'{100 * mean:.1f} ± {100 * std:.1f}'


def format_distill_table(results: Dict[str, List[Dict[str, Any]]]) -> str:
    """The benchmark as a markdown table and the share of the gap closed.

    Args:
        results (dict[str, list[dict]]): Row name (e.g. :data:`TEACHER`,
            :data:`STUDENT`, :data:`DISTILLED`) to one
            :func:`~mmlight.reports.accuracy.fall_metrics` dict per run;
            rows print in insertion order, a row without runs as ``n/a``.

    Returns:
        str: The table; when the teacher, student-alone and distilled rows
        all have runs, a last line with the gap closed,
        ``(distilled - alone) / (teacher - alone)`` of the mean top-1 in
        percent (``n/a`` when teacher and student alone are equal).
    """
    head = ['model', 'runs'] + [title for _, title in _COLUMNS]
    lines = table_head(head)
    for name, runs in results.items():
        cells = [name, str(len(runs))]
        cells += [_pm([run[key] for run in runs]) if runs else 'n/a'
                  for key, _ in _COLUMNS]
        lines.append(table_row(cells))
    if all(results.get(k) for k in (TEACHER, STUDENT, DISTILLED)):
        teacher, alone, distilled = (
            summarize([run['top1'] for run in results[k]])[0]
            for k in (TEACHER, STUDENT, DISTILLED))
        gap = teacher - alone
        if not all(map(math.isfinite, (teacher, alone, distilled))) or \
                abs(gap) < 1e-12:
            closed = 'n/a'
        elif gap < 0:
            # a ratio of two negatives would read as success
            closed = (f'n/a (no gap: the student alone is '
                      f'{-100 * gap:.1f} points above the teacher; '
                      f'distilled - alone = {100 * (distilled - alone):+.1f})')
        else:
            closed = f'{100 * (distilled - alone) / gap:.1f}%'
        lines += ['', f'Gap closed (top-1): {closed} = (distilled - alone) '
                  '/ (teacher - alone) of the mean top-1.']
    return '\n'.join(lines)


def _write_results(results: Dict[str, List[Dict[str, Any]]],
                   path: str) -> None:
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(without_nan(results), f, indent=2)
    os.replace(tmp, path)  # a crash mid-write keeps the previous file


def _run(cmd: List[str], run_dir: str, kind: str) -> None:
    """Run a tool, its output to ``run_dir/<kind>.log``; raise on failure
    (:func:`~mmlight.reports.common.run_tool`)."""
    run_tool(cmd, osp.join(run_dir, f'{kind}.log'),
             label=f'[benchmark_distill] {kind}:')


def _with_seed(cmd: List[str], seed: int) -> List[str]:
    """Put ``--seed`` before ``--cfg-options``, whose list runs to the
    end."""
    at = cmd.index('--cfg-options') if '--cfg-options' in cmd else len(cmd)
    return cmd[:at] + ['--seed', str(seed)] + cmd[at:]


def _trained(run_dir: str, config: str, find: Callable[[str], str],
             tools_dir: str, seed: int, epochs: Optional[int],
             options: Sequence[str], skip_train: bool) -> str:
    """The checkpoint of one run, training it first when needed.

    A checkpoint is taken as is when this benchmark finished training it
    (``train.done``) or when it came from elsewhere (no ``train.log``); one
    left by an interrupted benchmark run is trained again.
    """
    if skip_train:
        return find(run_dir)
    finished = osp.isfile(osp.join(run_dir, _DONE)) or not osp.isfile(
        osp.join(run_dir, 'train.log'))
    if finished:
        try:
            return find(run_dir)
        except FileNotFoundError:
            pass
    _run(_with_seed(build_train_command(config, run_dir, tools_dir, epochs,
                                        options), seed), run_dir, 'train')
    checkpoint = find(run_dir)  # before the marker: no checkpoint, no done
    with open(osp.join(run_dir, _DONE), 'w') as f:
        f.write(checkpoint + '\n')
    return checkpoint


def _evaluate(config: str, checkpoint: str, run_dir: str, tools_dir: str,
              options: Sequence[str], classes: Sequence[str]
              ) -> Dict[str, Any]:
    dump = osp.join(run_dir, 'preds.pkl')
    _run(build_test_command(config, checkpoint, run_dir, dump, tools_dir,
                            options), run_dir, 'test')
    gt, pred = load_predictions(dump)
    return dict(fall_metrics(gt, pred, classes), checkpoint=checkpoint)


def run_distill_benchmark(teacher_config: str, teacher_ckpt: str,
                          student_config: str, distill_config: str,
                          work_dir: str, tools_dir: str,
                          seeds: Sequence[int] = (0, 1, 2),
                          data_root: Optional[str] = None,
                          epochs: Optional[int] = None,
                          skip_train: bool = False,
                          cfg_options: Sequence[str] = ()
                          ) -> Dict[str, List[Dict[str, Any]]]:
    """Teacher, student alone and distilled student over several seeds.

    The teacher is tested once (``work_dir/teacher``). For each seed ``s``
    the student config trains in ``work_dir/student_seed{s}`` and the
    distillation config in ``work_dir/distill_seed{s}``, both with
    ``--seed s`` and the same ``epochs``; the distillation run also gets
    ``model.teacher_ckpt=<teacher_ckpt>``. A run whose checkpoint is there
    already is not trained again, so a benchmark that was interrupted goes
    on where it stopped. The student alone is tested from its newest
    ``best_*.pth``, the distilled one from its newest
    ``best_*_student.pth``, both with ``student_config``.
    ``work_dir/results.json`` is rewritten after every run.

    Args:
        teacher_config (str): The teacher's config.
        teacher_ckpt (str): The trained teacher's checkpoint.
        student_config (str): The student's own config (no distillation).
        distill_config (str): The distillation config of the same student
            and schedule.
        work_dir (str): The benchmark's folder.
        tools_dir (str): The folder of ``train.py`` and ``test.py``.
        seeds (Sequence[int]): One student-alone and one distilled run per
            seed. Defaults to (0, 1, 2).
        data_root (str, optional): A SynthFall folder that replaces the
            configs'. Defaults to None.
        epochs (int, optional): Train this many epochs. Defaults to the
            configs'.
        skip_train (bool): Never train; a missing checkpoint is an error.
            Defaults to False.
        cfg_options (Sequence[str]): ``key=value`` overrides for every
            training and test run.

    Returns:
        dict[str, list[dict]]: :data:`TEACHER`, :data:`STUDENT` and
        :data:`DISTILLED` to one dict per run: the
        :func:`~mmlight.reports.accuracy.fall_metrics` figures (fractions),
        ``checkpoint`` and, for the students, ``seed``.

    Raises:
        FileNotFoundError: ``teacher_ckpt`` does not exist, or (with
            ``skip_train``) a run has no checkpoint.
        RuntimeError: A training or test child failed; the message has the
            command, its return code and the end of its output.
    """
    from mmlight.utils import load_config
    if not osp.isfile(teacher_ckpt):
        raise FileNotFoundError(f'teacher checkpoint {teacher_ckpt} does '
                                'not exist')
    if not seeds:
        raise ValueError('seeds: need at least one seed')
    options = with_data_root(cfg_options, data_root)
    os.makedirs(work_dir, exist_ok=True)
    results_path = osp.join(work_dir, 'results.json')
    results: Dict[str, List[Dict[str, Any]]] = {
        TEACHER: [], STUDENT: [], DISTILLED: []}

    teacher_classes = load_classes(load_config(teacher_config), data_root)
    classes = load_classes(load_config(student_config), data_root)

    results[TEACHER].append(
        _evaluate(teacher_config, teacher_ckpt, osp.join(work_dir, 'teacher'),
                  tools_dir, options, teacher_classes))
    _write_results(results, results_path)

    distill_options = options + [
        f'model.teacher_ckpt={osp.abspath(teacher_ckpt)}']
    for seed in seeds:
        for key, config, find, name, train_options in (
                (STUDENT, student_config, find_checkpoint, 'student',
                 options),
                (DISTILLED, distill_config, find_student_checkpoint,
                 'distill', distill_options)):
            run_dir = osp.join(work_dir, f'{name}_seed{seed}')
            checkpoint = _trained(run_dir, config, find, tools_dir, seed,
                                  epochs, train_options, skip_train)
            # Both are tested as the plain student.
            metrics = _evaluate(student_config, checkpoint, run_dir,
                                tools_dir, options, classes)
            results[key].append(dict(metrics, seed=seed))
            _write_results(results, results_path)
    return results
