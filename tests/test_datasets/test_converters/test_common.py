"""Splits by group, annotation files and the command line."""
import json
import warnings

import pytest

from mmlight.cli.convert_fall_dataset import (DEFAULT_RATIOS, build_parser,
                                              main)
from mmlight.datasets.converters import ClipRecord, split_records


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


def subject_records(subjects: int, clips: int):
    """``clips`` clips of each subject, falls and non-falls mixed: the
    groups span classes and are dealt whole."""
    return [ClipRecord(f's{s}_{i}.mp4', i % 2, f'subject{s}')
            for s in range(subjects) for i in range(clips)]


def test_an_empty_split_warns_with_its_groups_ratios_and_remedy():
    # 6 subjects of 5 clips: train overfills (25 of 21 clips), val takes one
    # subject, 0.15 of 6 subjects is less than one: test gets none
    with pytest.warns(UserWarning) as caught:
        splits = split_records(subject_records(6, 5))
    assert splits['test'] == [] and len(splits['val']) == 5
    assert len(caught) == 1
    message = str(caught[0].message)
    assert message.startswith('the test split is empty: 6 groups (30 '
                              'clips), ratios 0.7 0.15 0.15: too few groups')
    assert 'its share 0.15 of 6 groups is 0.9 group' in message
    assert 'give more groups' in message and '--ratios' in message
    # single-class groups are dealt per class: the strata are named
    videos = [ClipRecord(f'v{i}.mp4', i % 2, f'v{i}') for i in range(4)]
    with pytest.warns(UserWarning) as caught:
        split_records(videos)
    assert [str(w.message).split(':')[0] for w in caught] == [
        'the val split is empty', 'the test split is empty']
    assert ('4 groups (4 clips) in 2 strata dealt separately (each class, '
            'or scene and class), at most 2 groups each') in str(
                caught[0].message)


def test_a_split_asked_to_be_empty_or_filled_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        splits = split_records(subject_records(6, 5), (0.8, 0.2, 0.0))
        assert splits['test'] == []
        split_records(subject_records(20, 2))


def test_ratios_help_names_the_three_shares_and_each_default():
    text = ' '.join(build_parser().format_help().split())
    assert 'shares of the clips in the train, val and test splits' in text
    assert ('default: urfall 0.7 0.15 0.15, le2i 0.6 0.15 0.25, folders '
            '0.7 0.15 0.15') in text
    assert DEFAULT_RATIOS['le2i'] == (0.6, 0.15, 0.25)


def test_unconvertible_input_exits_1_with_one_error_line(tmp_path, capsys):
    (tmp_path / 'empty').mkdir()
    assert main(['folders', str(tmp_path / 'empty'), '--out',
                 str(tmp_path / 'o')]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith('convert_fall_dataset folders: error: '
                             f'{tmp_path / "empty"}: no video found (looked '
                             'for <class>/**/<video> with .mp4|.avi')
    assert err[0].endswith('found no sub folder)')
