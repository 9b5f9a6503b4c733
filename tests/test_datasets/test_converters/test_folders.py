"""One folder a class: every video, grouped by a subject pattern."""
import json

import pytest

from mmlight.datasets.converters import convert_folders, split_records
from mmlight.cli.convert_fall_dataset import main


# 3 subjects for 3 splits: empty splits, warned of (tested in test_common)
@pytest.mark.filterwarnings('ignore:the (val|test) split is empty')
def test_class_folders_and_subject_groups(tmp_path, write_avi):
    avi = write_avi
    root = tmp_path / 'clips'
    for cls, names in (('fall', ['subject1_a', 'sub/subject2 b']),
                       ('no_fall', ['subject1_c', 'subject3_d'])):
        for name in names:
            avi(str(root / cls / f'{name}.avi'), frames=4)
    (root / 'fall' / 'notes.txt').write_text('not a video')
    records, classes = convert_folders(str(root), str(tmp_path / 'out'),
                                       group_pattern=r'(subject\d+)')
    assert classes == ['fall', 'no_fall']
    paths = {r.path: (r.label, r.group) for r in records}
    assert paths == {
        'videos/fall/subject1_a.avi': (0, 'subject1'),
        'videos/fall/sub__subject2_b.avi': (0, 'subject2'),
        'videos/no_fall/subject1_c.avi': (1, 'subject1'),
        'videos/no_fall/subject3_d.avi': (1, 'subject3'),
    }
    for seed in range(5):  # a subject never straddles two splits
        splits = split_records(records, seed=seed)
        where = {r.path: s for s, rs in splits.items() for r in rs}
        assert where['videos/fall/subject1_a.avi'] == \
            where['videos/no_fall/subject1_c.avi']


def test_command_line_fills_meta_and_warns_of_an_empty_split(tmp_path,
                                                           write_avi,
                                                           capsys):
    # the case: 6 subjects, the default ratios, no test subject
    root = tmp_path / 'clips'
    for s in range(6):
        for i in range(5):
            cls = 'fall' if i < 3 else 'no_fall'
            write_avi(str(root / cls / f'subject{s}_{i}.avi'),
                      frames=3 + i)
    out = tmp_path / 'out'
    assert main(['folders', str(root), '--out', str(out),
                 '--group-pattern', r'(subject\d+)']) == 0
    printed = capsys.readouterr().out
    assert 'test 0;' in printed
    assert ('  warning: the test split is empty: 6 groups (30 clips), '
            'ratios 0.7 0.15 0.15: too few groups') in printed
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['args']['ratios'] == [0.7, 0.15, 0.15]
    # the frames and frame rate of each video, decoded
    assert sorted({c['num_frames'] for c in meta['clips']}) == [3, 4, 5, 6,
                                                                7]
    assert all(c['num_frames'] == 3 + int(c['path'][-5])
               for c in meta['clips'])
    assert all(c['fps'] == pytest.approx(25) for c in meta['clips'])


def test_no_video_names_the_folder_and_the_layout(tmp_path):
    (tmp_path / 'clips' / 'fall').mkdir(parents=True)
    (tmp_path / 'clips' / 'fall' / 'notes.txt').write_text('no video')
    with pytest.raises(FileNotFoundError) as info:
        convert_folders(str(tmp_path / 'clips'), str(tmp_path / 'o'))
    assert str(info.value).startswith(
        f'{tmp_path / "clips"}: no video found (looked for <class>/**/'
        '<video> with .mp4|.avi|.mkv')
    assert 'found class folders fall' in str(info.value)


def test_an_undecodable_video_is_skipped_with_a_warning(tmp_path, write_avi):
    root = tmp_path / 'clips'
    write_avi(str(root / 'fall' / 'good.avi'), frames=4)
    (root / 'fall' / 'broken.avi').write_bytes(b'not a video' * 10)
    with pytest.warns(UserWarning, match='skipped .*broken.avi'):
        records, _ = convert_folders(str(root), str(tmp_path / 'out'))
    assert [r.path for r in records] == ['videos/fall/good.avi']
