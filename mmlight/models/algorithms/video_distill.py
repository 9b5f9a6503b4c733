"""Distil a 3D video teacher into a 2D/temporal student (different inputs)."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement

from mmlight.models.utils.clip_views import (student_view,
                                             uniform_frame_indices)
from mmlight.models.utils.teacher import (freeze, load_checkpoint_strict,
                                          load_teacher_logits)
from mmlight.registry import MODELS
from mmlight.utils.config import load_config

__all__ = ['VideoDistill']


_VIEW_KEYS = ('num_frames', 'sampling', 'size')


def _check_view(name: str, view: Optional[dict]) -> dict:
    """Validate a ``student_view``/``teacher_view`` dict (a copy)."""
    view = dict(view or {})
    unknown = set(view) - set(_VIEW_KEYS)
    if unknown:
        raise ValueError(f'{name}: unknown keys {sorted(unknown)}; '
                         f'allowed: {list(_VIEW_KEYS)}')
    if view.get('sampling', 'uniform') not in ('uniform', 'random'):
        raise ValueError(f"{name}.sampling must be 'uniform' or 'random', "
                         f"got {view['sampling']!r}")
    return view


@MODELS.register_module()
class VideoDistill(BaseModel):
    """A student trained on labels and on a frozen teacher's outputs.

    Unlike mmrazor's ``SingleTeacherDistill``, which feeds one preprocessed
    batch to both networks, each network here gets its own input from the
    same decoded clip: the training pipeline produces the teacher's clip
    (NCTHW, e.g. 16 frames), the teacher's own data preprocessor normalises
    it, and the student's view is cut from the same frames (``student_view``:
    how many, evenly spread, optionally resized) and normalised by the
    student's preprocessor, in NCHW for a 2D/TSM student or NCTHW for a 3D
    one. Validation and test data are the student's own pipeline: only the
    student runs there, and only the student (plus the distiller's
    connectors) is in checkpoints.

    Losses are wired by mmrazor's ``ConfigurableDistiller`` (recorders,
    connectors, ``loss_forward_mappings``). The total is
    ``student_loss_weight * student losses + distill_loss_scale *
    distill losses``; :class:`~mmlight.engine.hooks.DistillScheduleHook`
    schedules ``distill_loss_scale`` and the losses' temperature, and
    mmrazor's ``StopDistillHook`` sets ``distillation_stopped`` (the
    teacher then no longer runs).

    Args:
        student: Config of the student recognizer, with its own
            ``data_preprocessor``.
        teacher: Path of the teacher's config (a file, ``mmlight::...`` or
            ``mmaction::...``) or its model config dict.
        teacher_ckpt: The teacher's checkpoint. Checked when the algorithm
            is built: a missing file or one with missing, unexpected or
            mis-shaped keys fails at once, naming the file and the keys.
        distiller: Config of the distiller, typically
            ``dict(type='mmrazor.ConfigurableDistiller', ...)``.
        student_view: ``num_frames`` (default: all decoded frames),
            ``size`` (``(H, W)``, default: the decoded one) and
            ``sampling``: ``'uniform'`` (the centre frame of each of
            ``num_frames`` segments) or ``'random'`` (a random frame of
            each segment in training, the centre otherwise; TSN's
            sampling). Defaults to None (uniform, all frames).
        teacher_view: The same keys for the teacher's frames, so the
            pipeline can decode the span both networks need (e.g. all 48
            frames of a clip) and each takes its own: the teacher 16
            strided frames, the student 8 TSN segments over the whole
            span, as each was trained. ``'student'``: exactly the
            student's frames (a 2D/TSM teacher with the student's
            segments). The teacher's layout (NCTHW or NCHW) is its
            preprocessor's ``format_shape``. Defaults to None (all decoded
            frames).
        student_loss_weight: Weight of the student's own (label) losses:
            Hinton's ``alpha``. Defaults to 1.0.
        teacher_half: Run the teacher in half precision on a GPU (ignored on
            CPU). Defaults to False.
        teacher_logits: A file of precomputed teacher logits
            (``tools/analysis/cache_teacher_logits.py``). The teacher then
            never runs (nor moves to the GPU): its logits are looked up by
            each sample's ``filename`` (add ``'filename'`` to
            ``PackActionInputs``' ``meta_keys``) and given to the teacher
            recorder named ``teacher_logits_recorder``. They are the
            teacher's outputs on its deterministic test view of each clip,
            so this suits a fixed dataset; only logit losses can use them.
            Defaults to None.
        teacher_logits_recorder: The teacher recorder that the cached
            logits fill. Defaults to ``'logits'``.
        data_preprocessor: This model's own preprocessor, which only moves
            the raw batch to the device. Defaults to
            ``dict(type='BaseDataPreprocessor')``.
        student_ckpt: A checkpoint of the student alone (a plain
            recognizer's, e.g. a fine-tuned student) to start from: checked
            strictly at build time, loaded by ``init_weights`` (a runner's
            ``load_from`` would look for ``student.``-prefixed keys).
            Defaults to None (the student's own initialisation).
        init_cfg: MMEngine init config. Defaults to None.
    """

    def __init__(self,
                 student: dict,
                 teacher: Union[str, dict],
                 teacher_ckpt: str,
                 distiller: dict,
                 student_view: Optional[dict] = None,
                 teacher_view: Optional[Union[dict, str]] = None,
                 student_loss_weight: float = 1.0,
                 teacher_half: bool = False,
                 teacher_logits: Optional[str] = None,
                 teacher_logits_recorder: str = 'logits',
                 data_preprocessor: Optional[dict] = None,
                 student_ckpt: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor
            or dict(type='BaseDataPreprocessor'),
            init_cfg=init_cfg)
        if student_loss_weight < 0:
            raise ValueError('`student_loss_weight` must be >= 0, got '
                             f'{student_loss_weight}')
        self.s_view = _check_view('student_view', student_view)
        self.t_view = teacher_view if teacher_view == 'student' else \
            _check_view('teacher_view', teacher_view)
        self.student = MODELS.build(student)
        self.student_ckpt = student_ckpt
        if student_ckpt is not None:  # fail at build time, naming the keys
            load_checkpoint_strict(self.student, student_ckpt,
                                   what='student')
        blending = getattr(self.student.data_preprocessor, 'blending', None)
        if blending is not None:
            raise ValueError(
                'the student preprocessor blends samples (mixup/cutmix); '
                'the teacher would see other clips than the student: '
                'remove `blending` when distilling')
        self.student_format = getattr(self.student.data_preprocessor,
                                      'format_shape', 'NCHW')

        if isinstance(teacher, str):
            teacher = load_config(teacher).model
        teacher_model = MODELS.build(teacher)
        try:
            load_checkpoint_strict(teacher_model, teacher_ckpt,
                                   what='teacher')
        except FileNotFoundError as exc:
            raise FileNotFoundError(
                f'{exc}; train the teacher first (tools/train.py <teacher '
                'config> --work-dir <dir> links <dir>/best.pth; `make '
                'teacher` does it for the demo) or pass --cfg-options '
                'model.teacher_ckpt=<checkpoint>') from None
        self.teacher_format = getattr(teacher_model.data_preprocessor,
                                      'format_shape', 'NCTHW')
        # Held outside the module tree: not in state_dict, optimizer, DDP
        # or checkpoints; moved along by _apply below.
        self._teacher = [freeze(teacher_model)]
        self.teacher_half = teacher_half

        self.distiller = MODELS.build(distiller)
        self.distiller.prepare_from_student(self.student)
        self.distiller.prepare_from_teacher(self.teacher)
        self.teacher_logits = None
        if teacher_logits is not None:
            self.teacher_logits = load_teacher_logits(teacher_logits)
            recorders = self.distiller.teacher_recorders.recorders
            if set(recorders) != {teacher_logits_recorder}:
                raise ValueError(
                    f'teacher_logits={teacher_logits!r} replaces the teacher '
                    f'recorder {teacher_logits_recorder!r} only, but the '
                    f'distiller records {sorted(recorders)} from the '
                    'teacher; drop the feature losses or the cache')
            self.teacher_logits_recorder = recorders[teacher_logits_recorder]
        self.student_loss_weight = student_loss_weight
        self.distill_loss_scale = 1.0
        self.distillation_stopped = False

    def init_weights(self) -> None:
        """Initialise the student, then load ``student_ckpt`` into it."""
        super().init_weights()
        if self.student_ckpt is not None:
            load_checkpoint_strict(self.student, self.student_ckpt,
                                   what='student')
            print_log(f'VideoDistill: student initialised from '
                      f'{self.student_ckpt}', logger='current')

    @property
    def teacher(self) -> nn.Module:
        """The frozen teacher (not a submodule; never saved)."""
        return self._teacher[0]

    def _apply(self, fn, *args, **kwargs):
        super()._apply(fn, *args, **kwargs)
        if self.teacher_logits is not None:
            return self  # never runs: stays on the CPU
        self.teacher._apply(fn, *args, **kwargs)
        if self.teacher_half and next(self.teacher.parameters()).is_cuda:
            self.teacher.half()
        return self

    def train(self, mode: bool = True) -> 'VideoDistill':
        super().train(mode)
        self.teacher.eval()
        return self

    # ------------------------------------------------------------- forward
    def forward(self,
                inputs: List[torch.Tensor],
                data_samples: Optional[List[BaseDataElement]] = None,
                mode: str = 'tensor'):
        """``loss``: teacher-format clips; ``predict``/``tensor``: the
        student's own inputs, run through the student alone. Inputs are
        per-sample tensors (a batched tensor is split)."""
        if isinstance(inputs, torch.Tensor):
            inputs = list(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        data = self.student.data_preprocessor(
            dict(inputs=inputs, data_samples=data_samples), False)
        return self.student(data['inputs'], data['data_samples'], mode=mode)

    def _indices(self, clips: List[torch.Tensor],
                 view: dict) -> List[torch.Tensor]:
        """Each clip's frames for a view (random ones only in training)."""
        total = clips[0].shape[2]
        random = view.get('sampling') == 'random' and self.training
        return [uniform_frame_indices(total, view.get('num_frames') or total,
                                      random) for _ in clips]

    @staticmethod
    def _cut(clips: List[torch.Tensor], indices: List[torch.Tensor],
             view: dict, input_format: str) -> List[torch.Tensor]:
        return [student_view(clip, idx, input_format, view.get('size'))
                for clip, idx in zip(clips, indices)]

    def student_inputs(self,
                       clips: List[torch.Tensor],
                       indices: Optional[List[torch.Tensor]] = None
                       ) -> List[torch.Tensor]:
        """The student's view of decoded teacher-format clips.

        Args:
            clips: Per-sample clips in NCTHW layout, ``(num_clips, C, T, H,
                W)``, raw (not yet normalised), e.g. a training batch after
                this model's own ``data_preprocessor``.
            indices: Each clip's frames (along ``T``). Defaults to None:
                ``student_view``'s sampling (random frames only in
                training).

        Returns:
            list[torch.Tensor]: Per-sample student inputs for its own data
            preprocessor: ``(num_clips * t, C, h, w)`` for an NCHW student,
            ``(num_clips, C, t, h, w)`` for an NCTHW one (``t`` frames of
            ``student_view``'s size).
        """
        if indices is None:
            indices = self._indices(clips, self.s_view)
        return self._cut(clips, indices, self.s_view, self.student_format)

    def _teacher_inputs(self,
                        clips: List[torch.Tensor],
                        student_indices: Optional[List[torch.Tensor]] = None
                        ) -> List[torch.Tensor]:
        if self.t_view == 'student':  # exactly the student's frames
            if student_indices is None:
                student_indices = self._indices(clips, self.s_view)
            return self._cut(clips, student_indices, self.s_view,
                             self.teacher_format)
        if not self.t_view and self.teacher_format == 'NCTHW':
            return clips
        return self._cut(clips, self._indices(clips, self.t_view),
                         self.t_view, self.teacher_format)

    def _record_cached_logits(self, data_samples: List[BaseDataElement],
                              device: torch.device) -> None:
        rows = []
        for sample in data_samples:
            name = sample.metainfo.get('filename')
            if name is None:
                raise KeyError(
                    "teacher_logits needs each sample's 'filename': add it "
                    "to PackActionInputs' meta_keys in the train pipeline")
            if name not in self.teacher_logits:
                raise KeyError(f'no cached teacher logits for {name}; '
                               'recompute the cache for this dataset')
            rows.append(self.teacher_logits[name])
        recorder = self.teacher_logits_recorder
        recorder.reset_data_buffer()
        recorder.data_buffer.append(torch.stack(rows).to(device))

    @staticmethod
    def precise_bn_forward(model: 'VideoDistill', batch: dict) -> None:
        """Run the student on a training batch (for ``PreciseBNHook``)."""
        data = model.data_preprocessor(batch, False)
        s_data = model.student.data_preprocessor(
            dict(inputs=model.student_inputs(data['inputs']),
                 data_samples=data['data_samples']), False)
        model.student(s_data['inputs'], mode='tensor')

    def loss(self, inputs: List[torch.Tensor],
             data_samples: List[BaseDataElement]) -> Dict[str, torch.Tensor]:
        """Student losses (weighted) and distillation losses (scaled).

        Args:
            inputs: Per-sample teacher clips ``(num_clips, C, T, H, W)``,
                raw (not yet normalised).
            data_samples: Their data samples (labels).
        """
        losses: Dict[str, torch.Tensor] = {}
        if not self.distillation_stopped and self.teacher_logits is not None:
            self._record_cached_logits(data_samples, inputs[0].device)
        s_indices = self._indices(inputs, self.s_view)
        if not self.distillation_stopped and self.teacher_logits is None:
            t_data = self.teacher.data_preprocessor(
                dict(inputs=self._teacher_inputs(inputs, s_indices),
                     data_samples=data_samples), False)
            t_inputs = t_data['inputs']
            if self.teacher_half and t_inputs.is_cuda:
                t_inputs = t_inputs.half()
            with self.distiller.teacher_recorders, torch.no_grad():
                self.teacher._forward(t_inputs, stage='head')
        s_data = self.student.data_preprocessor(
            dict(inputs=self.student_inputs(inputs, s_indices),
                 data_samples=data_samples), True)
        with self.distiller.student_recorders:
            student_losses = self.student(
                s_data['inputs'], s_data['data_samples'], mode='loss')
        for name, value in student_losses.items():
            losses[f'student.{name}'] = value * self.student_loss_weight \
                if 'loss' in name else value
        if not self.distillation_stopped:
            for name, value in self.distiller.compute_distill_losses().items():
                losses[f'distill.{name}'] = value.float() * \
                    self.distill_loss_scale
        return losses
