"""Splits by group, annotation files and the command line."""
import json

import pytest

from mmlight.datasets.converters import ClipRecord, split_records
from mmlight.datasets.converters.cli import main


def test_split_keeps_groups_whole_and_every_class_everywhere():
    records = [ClipRecord(f'v{i}.mp4', i % 2, f'g{i // 4}_{i % 2}')
               for i in range(80)]
    splits = split_records(records, (0.6, 0.2, 0.2), seed=1)
    assert sorted(r.path for rs in splits.values() for r in rs) == \
        sorted(r.path for r in records)
    where = {r.group: s for s, rs in splits.items() for r in rs}
    for s, rs in splits.items():
        assert all(where[r.group] == s for r in rs)
        assert {r.label for r in rs} == {0, 1}
    assert len(splits['train']) == 48
    assert split_records(records, (0.6, 0.2, 0.2), seed=1) == splits
    with pytest.raises(ValueError, match='summing to 1'):
        split_records(records, (0.5, 0.2, 0.2))
    with pytest.raises(ValueError, match='no clip'):
        split_records([])


def test_split_stratified_by_a_key_keeps_every_stratum_in_every_split():
    records = [ClipRecord(f'{room}/{i}.mp4', i % 2, f'{room}/{i}')
               for room in ('kitchen', 'hall') for i in range(8)]
    splits = split_records(records, (0.5, 0.25, 0.25), seed=3,
                           stratum=lambda r: (r.group.split('/')[0],
                                              r.label))
    for recs in splits.values():
        assert {(r.group.split('/')[0], r.label) for r in recs} == {
            ('kitchen', 0), ('kitchen', 1), ('hall', 0), ('hall', 1)}


def test_command_line_writes_mmaction2_annotations(le2i_tree, tmp_path,
                                                   capsys):
    out = tmp_path / 'le2i'
    assert main(['le2i', str(le2i_tree), '--out', str(out),
                 '--ratios', '0.5', '0.25', '0.25', '--window', '4',
                 '--stride', '2', '--fall-stride', '1']) == 0
    printed = capsys.readouterr().out
    assert 'le2i: 6 clips' in printed and 'skipped 2 videos' in printed
    assert 'windows (no_fall / fall)' in printed
    videos = [line.split() for split in ('train', 'val', 'test')
              for line in (out / f'{split}_videos.txt').read_text(
              ).splitlines()]
    assert len(videos) == 6
    assert all((out / path).is_file() and label in '01'
               for path, label in videos)
    # the windows: "<video> <first> <last> <label>", 4 frames each
    windows = [line.split() for line in
               (out / 'train.txt').read_text().splitlines()]
    assert windows and all(len(w) == 4 and int(w[2]) - int(w[1]) == 3
                           for w in windows)
    assert {w[3] for w in windows} == {'0', '1'}
    assert (out / 'classes.txt').read_text().split() == ['no_fall', 'fall']
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['dataset'] == 'le2i' and len(meta['clips']) == 6
    # 6 videos in 4 (scene, label) strata: one split stays empty, and says so
    assert len({c['split'] for c in meta['clips']}) == 2
    assert 'warning: the test split is empty' in printed
    assert all(c['num_frames'] == 12 for c in meta['clips'])
    counts = json.loads((out / 'windows.json').read_text())['windows']
    assert sum(c['fall'] + c['no_fall'] for c in counts.values()) == sum(
        1 for s in ('train', 'val', 'test')
        for _ in (out / f'{s}.txt').read_text().splitlines())
