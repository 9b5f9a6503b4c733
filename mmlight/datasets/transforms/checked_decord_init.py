"""DecordInit that names the video it cannot open."""
from typing import Dict

from mmaction.datasets.transforms import DecordInit

from mmlight.datasets.errors import VideoReadError
from mmlight.registry import TRANSFORMS


def first_line(exc: BaseException, limit: int = 200) -> str:
    """The first line of an exception's message, shortened.

    decord's messages carry C++ source locations and can echo the raw bytes
    of a corrupt file, so only their first line is worth showing.
    """
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line if len(line) <= limit else line[:limit] + '...'


@TRANSFORMS.register_module()
class CheckedDecordInit(DecordInit):
    """Open a video with decord; fail with :class:`VideoReadError` naming it.

    Drop-in replacement for MMAction2's ``DecordInit``. A missing, empty,
    truncated or otherwise unreadable file, and a video with no frames, raise
    ``VideoReadError(filename, reason)``, which the dataset can skip (see
    ``CheckedVideoDataset.skip_unreadable``).

    Required Keys: ``filename``. Added Keys: ``video_reader``,
    ``total_frames``, ``avg_fps``.

    Args:
        io_backend (str): Storage backend of the videos. Defaults to
            ``'disk'``.
        num_threads (int): Decoding threads. Defaults to 1.
        **kwargs: Passed to the file client.
    """

    def transform(self, results: Dict) -> Dict:
        """Open ``results['filename']`` and record its length and fps."""
        filename = results['filename']
        try:
            container = self._get_video_reader(filename)
        except VideoReadError:
            raise
        except Exception as exc:  # decord raises RuntimeError/DECORDError
            raise VideoReadError(filename,
                                 f'cannot open video ({first_line(exc)})'
                                 ) from exc
        if len(container) == 0:
            raise VideoReadError(filename, 'the video has no frames')
        results['video_reader'] = container
        results['total_frames'] = len(container)
        results['avg_fps'] = container.get_avg_fps()
        return results
