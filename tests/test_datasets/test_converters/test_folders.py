"""One folder a class: every video, grouped by a subject pattern."""
from mmlight.datasets.converters import convert_folders, split_records


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
