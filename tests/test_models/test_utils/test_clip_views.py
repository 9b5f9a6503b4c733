import pytest
import torch

from mmlight.models.utils.clip_views import (student_view,
                                             uniform_frame_indices)


def test_uniform_indices_are_segment_centres():
    assert uniform_frame_indices(16, 8).tolist() == [1, 3, 5, 7, 9, 11, 13,
                                                     15]
    assert uniform_frame_indices(8, 8).tolist() == list(range(8))
    assert uniform_frame_indices(32, 1).tolist() == [16]
    with pytest.raises(ValueError, match='cannot take 9 frames'):
        uniform_frame_indices(8, 9)


def _clip(m=1, c=3, t=6, h=4, w=5):
    # value = frame index, so views show which frames they took
    return torch.arange(t).float().view(1, 1, t, 1, 1).expand(m, c, t, h,
                                                               w).clone()


def test_nchw_view_for_2d_students():
    view = student_view(_clip(m=2), [1, 4], 'NCHW')
    assert view.shape == (4, 3, 4, 5)  # (num_clips * t, C, H, W)
    assert view[:, 0, 0, 0].tolist() == [1, 4, 1, 4]


def test_ncthw_view_for_3d_students_and_resize():
    view = student_view(_clip(), [0, 2, 4], 'NCTHW', size=(8, 10))
    assert view.shape == (1, 3, 3, 8, 10)
    assert view[0, 0, :, 3, 3].tolist() == [0, 2, 4]


def test_bad_layouts():
    with pytest.raises(ValueError, match='NCTHW pipeline'):
        student_view(torch.zeros(3, 4, 4), [0], 'NCHW')
    with pytest.raises(ValueError, match="'NHWC'"):
        student_view(_clip(), [0], 'NHWC')


def test_random_indices_take_one_frame_per_segment():
    torch.manual_seed(0)
    seen = set()
    for _ in range(50):
        idx = uniform_frame_indices(16, 8, random=True)
        assert ((idx // 2) == torch.arange(8)).all()  # one per segment
        seen.update(idx.tolist())
    assert seen == set(range(16))  # both frames of each segment get drawn
    idx = uniform_frame_indices(10, 3, random=True)
    assert (idx >= torch.tensor([0, 3, 6])).all() and \
        (idx < torch.tensor([3, 6, 10])).all()
