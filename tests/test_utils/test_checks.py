import pytest

from mmlight.utils.checks import (check_dropout_ratio, check_heads,
                                  check_odd_kernel, check_positive_int,
                                  check_ratio)


def test_valid_values_pass_through():
    assert check_positive_int('n', 3) == 3
    assert check_positive_int('n', 0, minimum=0) == 0
    assert check_ratio('ratio', 0) == 0.0
    assert isinstance(check_ratio('ratio', 0), float)
    assert check_dropout_ratio(0.5) == 0.5
    assert check_odd_kernel('k', 3) == 3
    check_heads(64, 4)


@pytest.mark.parametrize('call, match', [
    (lambda: check_positive_int('num_layers', 0), '`num_layers`.*got 0'),
    (lambda: check_positive_int('num_layers', True), '`num_layers`'),
    (lambda: check_positive_int('num_layers', 2.0), '`num_layers`'),
    (lambda: check_ratio('ratio', 1.0), r'`ratio` must be a float in \[0, 1\)'),
    (lambda: check_ratio('ratio', False), '`ratio`'),
    (lambda: check_dropout_ratio(1.0, 'attn_drop'), '`attn_drop`'),
    (lambda: check_odd_kernel('kernel', 4), '`kernel` must be an odd'),
    (lambda: check_odd_kernel('kernel', True), '`kernel`'),
    (lambda: check_heads(63, 4), r'`embed_dims` \(63\).*`num_heads` \(4\)'),
    (lambda: check_heads(64, 0), '`num_heads`'),
])
def test_bad_values_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
