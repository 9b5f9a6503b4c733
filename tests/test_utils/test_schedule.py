import math

import pytest

from mmlight.utils.schedule import scheduled_value


@pytest.mark.parametrize('mode,half', [('linear', 2.5), ('cosine', 2.5),
                                       ('step', 4.0)])
def test_schedule_ends_and_middle(mode, half):
    assert scheduled_value(4.0, 1.0, 0.0, mode) == 4.0
    assert scheduled_value(4.0, 1.0, 1.0, mode) == 1.0
    assert scheduled_value(4.0, 1.0, 7.0, mode) == 1.0  # clipped
    assert math.isclose(scheduled_value(4.0, 1.0, 0.5, mode), half)


def test_cosine_is_flat_at_the_ends():
    early = scheduled_value(0.0, 1.0, 0.05, 'cosine')
    assert early < scheduled_value(0.0, 1.0, 0.05, 'linear')


def test_unknown_mode():
    with pytest.raises(ValueError, match="'exp'"):
        scheduled_value(1, 0, 0.5, 'exp')
