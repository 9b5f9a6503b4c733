"""Frames of a clip from its decoded-frame cache (or decord)."""
from typing import Dict

import numpy as np
from mmaction.datasets.transforms import DecordDecode

from mmlight.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CachedFrameDecode(DecordDecode):
    """``DecordDecode`` that takes the sampled frames from the memory-mapped
    cache :class:`CachedFrameInit` opened, when it opened one.

    Required Keys: ``frame_inds`` and ``cached_frames`` or
    ``video_reader``. Added Keys: ``imgs``, ``original_shape``,
    ``img_shape``.
    """

    def transform(self, results: Dict) -> Dict:
        """Gather ``frame_inds`` (RGB ``H x W x 3`` uint8 arrays)."""
        frames = results.pop('cached_frames', None)
        if frames is None:
            return super().transform(results)
        inds = np.asarray(results['frame_inds']).reshape(-1)
        inds = np.clip(inds, 0, len(frames) - 1)
        imgs = [np.array(frames[i]) for i in inds]
        results['imgs'] = imgs
        results['original_shape'] = imgs[0].shape[:2]
        results['img_shape'] = imgs[0].shape[:2]
        return results
