from .cached_frame_decode import CachedFrameDecode
from .cached_frame_init import CachedFrameInit
from .checked_decord_init import CheckedDecordInit

__all__ = ['CachedFrameDecode', 'CachedFrameInit', 'CheckedDecordInit']
