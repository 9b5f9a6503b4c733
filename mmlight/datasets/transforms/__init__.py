from .checked_decord_init import CheckedDecordInit

__all__ = ['CheckedDecordInit']
