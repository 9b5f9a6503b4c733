"""Argument checks shared by the constructors of models, samplers and
compression options: each fails with a message naming the argument."""
from typing import Any

__all__ = [
    'check_dropout_ratio', 'check_heads', 'check_odd_kernel',
    'check_positive_int', 'check_ratio'
]


def check_positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """Return ``value`` if it is an int ``>= minimum`` (bools refused).

    Raises:
        ValueError: Naming the argument and the value it got.
    """
    if isinstance(value, bool) or not isinstance(value, int) \
            or value < minimum:
        raise ValueError(f'`{name}` must be an int >= {minimum}, got '
                         f'{value!r}')
    return value


def check_ratio(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a number in ``[0, 1)`` (bools
    refused), e.g. a pruning ratio.

    Raises:
        ValueError: Naming the argument and the value it got.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not 0.0 <= value < 1.0:
        raise ValueError(f'`{name}` must be a float in [0, 1), got '
                         f'{value!r}')
    return float(value)


def check_dropout_ratio(value: float, name: str = 'dropout_ratio') -> float:
    """Return a dropout probability ``value`` if it is in ``[0, 1)``.

    Raises:
        ValueError: Naming the argument and the value it got.
    """
    if not 0.0 <= value < 1.0:
        raise ValueError(f'`{name}` must be in [0, 1), got {value}')
    return value


def check_heads(embed_dims: int, num_heads: int) -> None:
    """Check that ``num_heads`` attention heads split ``embed_dims``.

    Raises:
        ValueError: If either is < 1 or ``embed_dims % num_heads != 0``.
    """
    if embed_dims < 1 or num_heads < 1 or embed_dims % num_heads != 0:
        raise ValueError(f'`embed_dims` ({embed_dims}) must be a positive'
                         f' multiple of `num_heads` ({num_heads})')


def check_odd_kernel(name: str, value: Any) -> int:
    """Return ``value`` if it is an odd positive int (a 'same'-padded
    kernel size; bools refused).

    Raises:
        ValueError: Naming the argument and the value it got.
    """
    if isinstance(value, bool) or not isinstance(value, int) \
            or value < 1 or value % 2 == 0:
        raise ValueError(f'`{name}` must be an odd positive int (1, 3, 5, '
                         f'...), got {value!r}')
    return value
