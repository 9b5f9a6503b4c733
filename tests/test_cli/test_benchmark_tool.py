"""tools/benchmark.py's command line (:mod:`mmlight.cli.benchmark`): bad
entries refused, relative outputs under the work dir (the measurements
are tested in tests/test_reports/test_edge_benchmark.py)."""
import os.path as osp
import subprocess
import sys

from benchmark_rows import LIGHT, TEACHER

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_cli_rejects_bad_entries():
    out = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'benchmark.py'),
         'configs/fall_mbv3s_tsm.py', '--work-dir', 'w'],
        capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 2
    assert 'expected NAME=CONFIG' in out.stderr


def test_cli_writes_relative_outputs_under_the_work_dir(tmp_path,
                                                        monkeypatch,
                                                        capsys):
    from mmlight.cli import benchmark as tool
    # the measurements are tested in tests/test_reports; here only where
    # the files go
    monkeypatch.setattr(tool, 'measure_entry',
                        lambda entry, *a, **k: dict(
                            TEACHER if entry['name'] == 'teacher' else LIGHT))
    monkeypatch.setattr(tool, 'time_entries', lambda *a, **k: None)
    monkeypatch.chdir(tmp_path)
    absolute = tmp_path / 'elsewhere' / 'rows.json'
    assert tool.main(['teacher=a.py', 'int8=b.py', '--work-dir', 'W',
                      '--out', 'table.md', '--png', 'plot.png',
                      '--json', str(absolute)]) == 0
    assert sorted(p.name for p in (tmp_path / 'W').iterdir()) == [
        'plot.png', 'table.md']
    assert '| teacher | 100.000 |' in (tmp_path / 'W' / 'table.md'
                                       ).read_text()
    assert absolute.is_file()
    assert not (tmp_path / 'table.md').exists()
    assert not (tmp_path / 'plot.png').exists()
    assert f'plot: {osp.join("W", "plot.png")}' in capsys.readouterr().out
