"""mmlight models. The foundation uses MMAction2's recognizers as they are;
light backbones, heads and distillation algorithms register here."""
from .utils import update_bn_stats

__all__ = ['update_bn_stats']
