"""``tools/model_converters/extract_student.py``: the student of a
distillation checkpoint written as a plain checkpoint
(:func:`mmlight.compression.student_checkpoint.export_student_checkpoint`),
which ``tools/test.py <student config>`` loads."""
import argparse
from typing import Optional, Sequence

__all__ = ['build_parser', 'main']


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of :func:`main`."""
    parser = argparse.ArgumentParser(
        description='Write the student of a distillation checkpoint as a '
        'plain checkpoint.')
    parser.add_argument('checkpoint', help='a VideoDistill checkpoint')
    parser.add_argument('out', help='where to write the student checkpoint')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Export the student; print what was written.

    Returns:
        int: 0.
    """
    from mmlight.compression.student_checkpoint import \
        export_student_checkpoint
    args = build_parser().parse_args(argv)
    print(export_student_checkpoint(args.checkpoint, args.out))
    return 0
