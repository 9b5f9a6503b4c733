"""Turn a distillation checkpoint into a plain student checkpoint."""
from typing import Dict

import torch

from mmlight.compression.pruning.shapes import SHAPES_KEY, checkpoint_shapes
from mmlight.utils.checkpoint_io import load_checkpoint_file

__all__ = ['student_state_dict', 'export_student_checkpoint']


def student_state_dict(state_dict: Dict[str, torch.Tensor],
                       prefix: str = 'student.') -> Dict[str, torch.Tensor]:
    """The student's tensors under their plain-model names.

    Raises:
        ValueError: If no key starts with ``prefix`` (not a distillation
            checkpoint).
    """
    out = {k[len(prefix):]: v for k, v in state_dict.items()
           if k.startswith(prefix)}
    if not out:
        raise ValueError(f'no key starts with {prefix!r}: not a '
                         'distillation checkpoint')
    return out


def export_student_checkpoint(src: str, dst: str) -> str:
    """Write ``dst``: ``src``'s student weights and meta, nothing else.

    The result loads with the plain student config
    (``tools/test.py <student config> dst``). A pruned student's shapes
    (recorded relative to the algorithm's ``student``) are re-rooted at the
    plain model, so deployment and evaluation reshape it before loading.

    Raises:
        FileNotFoundError: If ``src`` does not exist.
    """
    ckpt = load_checkpoint_file(src)
    student = student_state_dict(ckpt.get('state_dict', ckpt))
    meta = dict(ckpt.get('meta') or {})
    shapes = checkpoint_shapes(meta)
    if shapes and shapes.get('root') == 'student':
        meta[SHAPES_KEY] = dict(shapes, root='')
    torch.save(dict(meta=meta, state_dict=student), dst)
    return dst
