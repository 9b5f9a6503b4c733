"""Errors for bad input that name the offending file (and line)."""

__all__ = ['AnnotationError', 'VideoReadError']


class AnnotationError(ValueError):
    """An annotation file or one of its lines is malformed.

    Args:
        ann_file (str): The annotation file.
        lineno (int, optional): 1-based line number, if the error is on a
            line. Defaults to None.
        reason (str): What is wrong. Defaults to ``''``.
    """

    def __init__(self, ann_file: str, lineno: 'int | None' = None,
                 reason: str = '') -> None:
        self.ann_file = ann_file
        self.lineno = lineno
        where = ann_file if lineno is None else f'{ann_file}:{lineno}'
        super().__init__(f'{where}: {reason}')


class VideoReadError(RuntimeError):
    """A video is missing, empty, corrupt or cannot be decoded.

    Args:
        filename (str): The video file.
        reason (str): What went wrong.
    """

    def __init__(self, filename: str, reason: str) -> None:
        self.filename = filename
        self.reason = reason
        super().__init__(f'{filename}: {reason}')

    def __reduce__(self):
        # Keep the two-argument signature across dataloader worker processes.
        return type(self), (self.filename, self.reason)
