"""Open a clip from its decoded-frame cache, or its video; sample within
its window."""
from typing import Dict

from mmlight.datasets.frame_cache import load_cached_frames
from mmlight.registry import TRANSFORMS

from .checked_decord_init import CheckedDecordInit


@TRANSFORMS.register_module()
class CachedFrameInit(CheckedDecordInit):
    """``DecordInit`` that reads a frame cache when there is one and limits
    sampling to a window.

    With ``frame_file`` in the results (:class:`VideoWindowDataset` with
    ``frame_cache``) the frames are memory-mapped from it; otherwise the
    video is opened with decord, as :class:`CheckedDecordInit` does. With
    ``window`` (first, last frame), ``total_frames`` becomes the window's
    length and ``start_index`` its first frame, so ``SampleFrames`` samples
    inside it; a window past the video's end is cut to the frames there.

    Required Keys: ``filename``; optional ``frame_file``, ``window``.
    Added Keys: ``video_reader`` or ``cached_frames``, ``total_frames``,
    ``avg_fps``, ``start_index``.
    """

    def transform(self, results: Dict) -> Dict:
        """Open the clip; set its window."""
        if results.get('frame_file'):
            frames = load_cached_frames(results['frame_file'])
            results['cached_frames'] = frames
            results['total_frames'] = len(frames)
            results.setdefault('avg_fps', 0.0)
        else:
            results = super().transform(results)
        window = results.get('window')
        if window is not None:
            start = min(int(window[0]), results['total_frames'] - 1)
            end = min(int(window[1]), results['total_frames'] - 1)
            results['start_index'] = start
            results['total_frames'] = end - start + 1
        return results
