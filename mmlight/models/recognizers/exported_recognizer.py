"""An exported INT8 program as an MMAction2 recognizer, for tools/test.py."""
from typing import List, Optional, Union

import torch
import torch.nn.functional as F
from mmaction.utils import SampleList
from mmengine.model import BaseModel

from mmlight.registry import MODELS

__all__ = ['ExportedRecognizer']

_FROM_PROGRAM = 'from_program'
_AVERAGE_CLIPS = ('score', 'prob', None)


@MODELS.register_module()
class ExportedRecognizer(BaseModel):
    """Run a saved ``torch.export`` program (the ``.pt2`` that ``PTQLoop``
    and ``QATEpochBasedLoop`` write) where a recognizer is expected.

    The program maps preprocessed clips ``(N, S, C, H, W)`` to class scores
    ``(N, num_classes)``, backbone and head together; this model adds the
    data preprocessor in front and the head's test-time ``average_clip``
    behind, as ``Recognizer2D.predict`` does, so the standard test loop,
    metrics and ``--dump`` apply. ``tools/test.py CONFIG FILE.pt2`` builds
    it in place of the config's model (see
    :func:`mmlight.utils.merge_test_args`).

    The program is not a submodule: it has no trainable parameters, is
    not moved to a GPU (its int8 kernels are CPU ones) and is not in
    checkpoints. By default it runs compiled by inductor (oneDNN int8
    kernels, the fast path; the first batch of each size compiles); give
    ``runtime='reference'`` (``--cfg-options model.runtime=reference``) to
    run its q/dq ops as they are, for debugging.

    Args:
        program: The ``.pt2`` file.
        data_preprocessor: The config's data preprocessor (normalisation
            and ``format_shape`` the program was exported after).
            Defaults to None.
        average_clips: ``'prob'``, ``'score'`` or None, as the head's;
            ``'from_program'`` takes the value saved with the program.
            Defaults to ``'from_program'``.
        runtime: ``'inductor'`` or ``'reference'`` (see
            :mod:`mmlight.compression.quantization.int8_runtime`). Defaults to
            ``'inductor'``.

    Raises:
        FileNotFoundError: ``program`` does not exist.
        ValueError: A bad ``average_clips`` or ``runtime``.
    """

    def __init__(self,
                 program: str,
                 data_preprocessor: Optional[dict] = None,
                 average_clips: Optional[str] = _FROM_PROGRAM,
                 runtime: str = 'inductor') -> None:
        from mmlight.compression.quantization.int8_runtime import load_int8_program
        super().__init__(data_preprocessor=data_preprocessor)
        module, self.metadata = load_int8_program(program, runtime)
        self.runtime = runtime
        if average_clips == _FROM_PROGRAM:
            average_clips = self.metadata.get('average_clips', 'prob')
        if average_clips not in _AVERAGE_CLIPS:
            raise ValueError(f'`average_clips` must be one of '
                             f'{list(_AVERAGE_CLIPS)} or {_FROM_PROGRAM!r}, '
                             f'got {average_clips!r}')
        self.average_clips = average_clips
        self.program_path = program
        self._program = [module]  # a list: kept out of the module tree

    @torch.no_grad()
    def _scores(self, inputs: torch.Tensor) -> torch.Tensor:
        return self._program[0](inputs.detach().float().cpu())

    def average_clip(self, cls_scores: torch.Tensor,
                     num_segs: int = 1) -> torch.Tensor:
        """MMAction2's ``BaseHead.average_clip``: ``(N * num_segs,
        num_classes)`` scores to ``(N, num_classes)``."""
        scores = cls_scores.view((cls_scores.shape[0] // num_segs,
                                  num_segs) + cls_scores.shape[1:])
        if self.average_clips is None:
            return scores
        if self.average_clips == 'prob':
            return F.softmax(scores, dim=2).mean(dim=1)
        return scores.mean(dim=1)

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[SampleList] = None,
                mode: str = 'tensor') -> Union[torch.Tensor, List]:
        """``'tensor'``: class scores ``(N, num_classes)``; ``'predict'``:
        ``data_samples`` with ``pred_score`` and ``pred_label`` set.
        ``'loss'`` is refused: a converted INT8 program does not train.

        Args:
            inputs: Preprocessed clips, ``(N, S, C, H, W)``.
            data_samples: One ``ActionDataSample`` a clip. Defaults to None.
            mode: ``'tensor'``, ``'predict'`` or ``'loss'``. Defaults to
                ``'tensor'``.
        """
        if mode == 'loss':
            raise RuntimeError(
                f'ExportedRecognizer({self.program_path}): an INT8 program '
                'cannot be trained; fine-tune the FP32 model (QAT: '
                'QATEpochBasedLoop) and export again')
        scores = self._scores(inputs)
        if mode == 'tensor':
            return scores
        if mode != 'predict':
            raise ValueError(f"mode must be 'tensor', 'predict' or 'loss', "
                             f'got {mode!r}')
        num_segs = scores.shape[0] // len(data_samples)
        scores = self.average_clip(scores, num_segs)
        labels = scores.argmax(dim=-1, keepdim=True)
        for sample, score, label in zip(data_samples, scores, labels):
            sample.set_pred_score(score)
            sample.set_pred_label(label)
        return data_samples
