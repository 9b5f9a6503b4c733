"""Argument checks shared by the models' constructors."""
from typing import Any

__all__ = ['check_positive_int']


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
