"""Distil a 3D video teacher into a 2D/temporal student (different inputs)."""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement

from mmlight.models.utils.clip_views import (student_view,
                                             uniform_frame_indices)
from mmlight.models.utils.teacher import (freeze, load_checkpoint_strict,
                                          load_model_config,
                                          load_teacher_logits)
from mmlight.registry import MODELS

__all__ = ['VideoDistill']


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
        student_view: ``num_frames`` (default: all the teacher's),
            ``size`` (``(H, W)``, default: the teacher's) and ``sampling``:
            ``'uniform'`` (the centre frame of each of ``num_frames``
            segments) or ``'random'`` (a random frame of each segment in
            training, the centre otherwise; TSN's sampling). Defaults to
            None (uniform, all frames).
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
        init_cfg: MMEngine init config. Defaults to None.
    """

    def __init__(self,
                 student: dict,
                 teacher: Union[str, dict],
                 teacher_ckpt: str,
                 distiller: dict,
                 student_view: Optional[dict] = None,
                 student_loss_weight: float = 1.0,
                 teacher_half: bool = False,
                 teacher_logits: Optional[str] = None,
                 teacher_logits_recorder: str = 'logits',
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor
            or dict(type='BaseDataPreprocessor'),
            init_cfg=init_cfg)
        if student_loss_weight < 0:
            raise ValueError('`student_loss_weight` must be >= 0, got '
                             f'{student_loss_weight}')
        view = dict(student_view or {})
        unknown = set(view) - {'num_frames', 'size', 'sampling'}
        if unknown:
            raise ValueError(f'student_view: unknown keys {sorted(unknown)};'
                             " allowed: ['num_frames', 'sampling', 'size']")
        if view.get('sampling', 'uniform') not in ('uniform', 'random'):
            raise ValueError("student_view.sampling must be 'uniform' or "
                             f"'random', got {view['sampling']!r}")
        self.view_random = view.get('sampling') == 'random'
        self.student = MODELS.build(student)
        blending = getattr(self.student.data_preprocessor, 'blending', None)
        if blending is not None:
            raise ValueError(
                'the student preprocessor blends samples (mixup/cutmix); '
                'the teacher would see other clips than the student: '
                'remove `blending` when distilling')
        self.student_format = getattr(self.student.data_preprocessor,
                                      'format_shape', 'NCHW')
        self.view_frames: Optional[int] = view.get('num_frames')
        self.view_size: Optional[Tuple[int, int]] = view.get('size')

        if isinstance(teacher, str):
            teacher = load_model_config(teacher).model
        teacher_model = MODELS.build(teacher)
        load_checkpoint_strict(teacher_model, teacher_ckpt, what='teacher')
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

    def _student_inputs(self,
                        clips: List[torch.Tensor],
                        random: bool = False) -> List[torch.Tensor]:
        total = clips[0].shape[2]
        views = []
        for clip in clips:
            indices = uniform_frame_indices(total, self.view_frames or total,
                                            random)
            views.append(
                student_view(clip, indices, self.student_format,
                             self.view_size))
        return views

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
            dict(inputs=model._student_inputs(data['inputs']),
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
        elif not self.distillation_stopped:
            t_data = self.teacher.data_preprocessor(
                dict(inputs=inputs, data_samples=data_samples), False)
            t_inputs = t_data['inputs']
            if self.teacher_half and t_inputs.is_cuda:
                t_inputs = t_inputs.half()
            with self.distiller.teacher_recorders, torch.no_grad():
                self.teacher._forward(t_inputs, stage='head')
        s_data = self.student.data_preprocessor(
            dict(inputs=self._student_inputs(
                inputs, self.view_random and self.training),
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
