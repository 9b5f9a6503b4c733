"""Le2i: annotated videos linked under safe names, fall frames kept."""
import os

import pytest

from mmlight.datasets import AnnotationError, dataset_clip_sizes
from mmlight.datasets.converters import convert_le2i, read_le2i_annotation


def test_annotated_videos_are_linked_with_labels(le2i_tree, tmp_path):
    out = tmp_path / 'out'
    records, skipped = convert_le2i(str(le2i_tree), str(out))
    assert len(records) == 6 and len(skipped) == 2  # Office: no labels
    assert all('Office' in s for s in skipped)
    by = {r.group: r for r in records}
    first = by['Coffee_room_01/video (1)']
    assert first.path == 'videos/Coffee_room_01/video_1.avi'
    assert (first.label, first.fall_start, first.fall_end) == (1, 4, 8)
    assert by['Home_01/video (2)'].label == 0  # "0 0": no fall
    assert os.path.islink(out / first.path)
    assert dataset_clip_sizes([dict(filename=str(out / first.path))])[0] \
        == (12, 32, 48, 3)
    # copying instead of linking
    copied, _ = convert_le2i(str(le2i_tree), str(tmp_path / 'c'),
                             link=False, scenes=['Home_01'])
    assert len(copied) == 2
    assert not os.path.islink(tmp_path / 'c' / copied[0].path)


def test_malformed_annotation_names_file_and_line(le2i_tree, tmp_path):
    ann = le2i_tree / 'Home_01' / 'Annotations_files' / 'video (1).txt'
    ann.write_text('12\nlater\n')
    with pytest.raises(AnnotationError, match=r'video \(1\).txt:2: '):
        read_le2i_annotation(str(ann))
    ann.write_text('30\n20\n')
    with pytest.raises(AnnotationError, match='before its start'):
        convert_le2i(str(le2i_tree), str(tmp_path / 'o'))
