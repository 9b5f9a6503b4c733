"""mmlight models. The foundation uses MMAction2's recognizers as they are;
light backbones, heads and distillation algorithms register here."""

__all__: list = []
