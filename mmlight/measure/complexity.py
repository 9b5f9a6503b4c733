"""FLOPs and parameters of the model a config builds.

The math is MMEngine's (``mmengine.analysis``, fvcore's counter): one
multiply-accumulate counts as one FLOP. What is mmlight's is reading the
input of one test clip from the config's pipeline, and running a recognizer
through backbone *and* head: MMAction2's ``tools/analysis_tools/get_flops.py``
counts ``extract_feat`` with its default stage, the backbone only, which
leaves out exactly the temporal heads we want to compare.
"""
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.analysis import get_model_complexity_info
from torch import nn

__all__ = ['infer_input_shape', 'model_complexity', 'TensorForward']

_SAMPLERS = ('SampleFrames', 'DenseSampleFrames', 'UniformSample')
_CROPS = ('CenterCrop', 'ThreeCrop', 'TenCrop')


def _type_name(step: dict) -> str:
    # `mmaction.SampleFrames` and `SampleFrames` are the same transform.
    return str(step.get('type', '')).split('.')[-1]


def _pair(size: Any, what: str) -> Tuple[int, int]:
    """``size`` as (W, H); an int is a square."""
    if isinstance(size, int):
        return size, size
    if isinstance(size, (tuple, list)) and len(size) == 2 and all(
            isinstance(s, int) and s > 0 for s in size):
        return int(size[0]), int(size[1])
    raise ValueError(f'{what}: expected an int or (W, H), got {size!r}')


def _test_pipeline(cfg: Any) -> Tuple[str, List[dict]]:
    """The first of test/val dataloaders that has a pipeline."""
    for loader in ('test_dataloader', 'val_dataloader'):
        dataset = (cfg.get(loader) or {}).get('dataset') or {}
        # Wrappers such as RepeatDataset keep the real one in `dataset`.
        while 'pipeline' not in dataset and 'dataset' in dataset:
            dataset = dataset['dataset']
        if dataset.get('pipeline'):
            return loader, list(dataset['pipeline'])
    raise ValueError('cannot infer the input shape: the config has no '
                     'test_dataloader.dataset.pipeline nor '
                     'val_dataloader.dataset.pipeline')


def infer_input_shape(cfg: Any) -> Tuple[int, ...]:
    """The model input of one test clip, batch 1, read from a config.

    The pipeline of ``cfg.test_dataloader.dataset`` (else
    ``cfg.val_dataloader.dataset``) gives the frames (``SampleFrames``:
    ``clip_len``, ``num_clips``), the spatial size (the last ``Resize`` with
    ``scale=(W, H)`` and ``keep_ratio=False``, or a later ``CenterCrop`` /
    ``ThreeCrop`` / ``TenCrop`` ``crop_size``) and the layout
    (``FormatShape.input_format``). Multi-crop and multi-clip testing
    repeat this one view; it is counted once.

    Args:
        cfg (Config | dict): A loaded config.

    Returns:
        tuple[int, ...]: ``(1, num_clips * clip_len, 3, H, W)`` for
        ``'NCHW'`` (Recognizer2D: the segments of one clip are its frames),
        or ``(1, 1, 3, clip_len, H, W)`` for ``'NCTHW'`` (Recognizer3D: one
        of the ``num_clips`` views).

    Raises:
        ValueError: A pipeline step the shape depends on is missing or has
            values it cannot be read from; the message names the step.

    Examples:
        >>> cfg = Config.fromfile('configs/fall_mbv3_baseline.py')
        >>> infer_input_shape(cfg)
        (1, 8, 3, 48, 64)
    """
    loader, pipeline = _test_pipeline(cfg)
    where = f'{loader}.dataset.pipeline'
    sampler: Optional[dict] = None
    size: Optional[Tuple[int, int]] = None  # (W, H)
    unknown_size: Optional[str] = None
    fmt: Optional[str] = None
    for step in pipeline:
        name = _type_name(step)
        if name in _SAMPLERS:
            sampler = step
        elif name == 'Resize':
            scale = step.get('scale')
            if step.get('keep_ratio', True) or not isinstance(
                    scale, (tuple, list)):
                # The size then depends on the video's; a later crop fixes it.
                size, unknown_size = None, (
                    f'Resize(scale={scale!r}, keep_ratio='
                    f'{step.get("keep_ratio", True)})')
            else:
                size, unknown_size = _pair(tuple(scale), 'Resize.scale'), None
        elif name in _CROPS:
            size = _pair(step.get('crop_size'), f'{name}.crop_size')
            unknown_size = None
        elif name == 'FormatShape':
            fmt = step.get('input_format')
    if sampler is None:
        raise ValueError(f'cannot infer the input shape: no SampleFrames in '
                         f'{where}')
    if size is None:
        if unknown_size is not None:
            raise ValueError(
                f'cannot infer the input shape: {unknown_size} in {where} '
                'gives a size that depends on the video; add a '
                'CenterCrop or pass the shape explicitly')
        raise ValueError(f'cannot infer the input shape: no Resize '
                         f'(keep_ratio=False) or CenterCrop in {where}')
    if fmt is None:
        raise ValueError(f'cannot infer the input shape: no FormatShape in '
                         f'{where}')
    clip_len = int(sampler.get('clip_len', 1))
    num_clips = int(sampler.get('num_clips', 1))
    w, h = size
    if fmt == 'NCHW':
        return (1, num_clips * clip_len, 3, h, w)
    if fmt == 'NCTHW':
        return (1, 1, 3, clip_len, h, w)
    raise ValueError(f'cannot infer the input shape: FormatShape '
                     f'input_format={fmt!r} in {where}; supported: '
                     "'NCHW', 'NCTHW'")


class TensorForward(nn.Module):
    """A model seen as a plain ``forward(inputs)`` for counters and timers.

    A recognizer runs ``model(inputs, mode='tensor', stage=stage)``: no data
    preprocessor, no loss, no post-processing, with ``stage='head'`` the
    class scores (MMAction2's ``mode='tensor'`` default stops after the
    backbone). Another MMEngine ``BaseModel`` runs ``mode='tensor'``; a plain
    ``nn.Module`` is called as it is.

    Args:
        model (nn.Module): The model.
        stage (str): The recognizer stage to stop after: ``'backbone'``,
            ``'neck'`` or ``'head'``. Defaults to ``'head'``.
    """

    def __init__(self, model: nn.Module, stage: str = 'head') -> None:
        super().__init__()
        if stage not in ('backbone', 'neck', 'head'):
            raise ValueError(f'stage must be one of backbone, neck, head; '
                             f'got {stage!r}')
        self.model = model
        self.stage = stage

    def forward(self, inputs: torch.Tensor) -> Any:
        """Run the model.

        Args:
            inputs (torch.Tensor): Model input, e.g. (N, num_segs, C, H, W)
                for a Recognizer2D or (N, num_views, C, T, H, W) for a
                Recognizer3D.

        Returns:
            Any: The model's output; class scores (N, num_classes) for a
            recognizer with ``stage='head'``.
        """
        from mmaction.models.recognizers import BaseRecognizer
        from mmengine.model import BaseModel
        if isinstance(self.model, BaseRecognizer):
            return self.model(inputs, mode='tensor', stage=self.stage)
        if isinstance(self.model, BaseModel):
            return self.model(inputs, mode='tensor')
        return self.model(inputs)


def model_complexity(model: nn.Module, input_shape: Sequence[int],
                     stage: str = 'head') -> Dict[str, Any]:
    """FLOPs and parameters of one forward pass.

    The model runs in eval mode (restored afterwards) under
    ``torch.no_grad`` through :class:`TensorForward`, on a random input on
    the model's device.

    Args:
        model (nn.Module): A recognizer or any ``nn.Module``.
        input_shape (Sequence[int]): The full input shape, batch included,
            e.g. :func:`infer_input_shape`'s ``(1, 8, 3, 48, 64)``.
        stage (str): Where a recognizer stops; see :class:`TensorForward`.
            Defaults to ``'head'``.

    Returns:
        dict: ``flops`` (float, multiply-accumulates, each counted as one
        FLOP, as MMEngine and fvcore do), ``params`` (int, every parameter,
        used or not) and ``table`` (str, MMEngine's per-module table).
    """
    input_shape = tuple(int(s) for s in input_shape)
    params = list(model.parameters())
    device = params[0].device if params else torch.device('cpu')
    inputs = torch.randn(input_shape, device=device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            info = get_model_complexity_info(
                TensorForward(model, stage), inputs=(inputs, ),
                show_table=True, show_arch=False)
    finally:
        model.train(was_training)
    return dict(
        flops=float(info['flops']),
        params=int(info['params']),
        table=info['out_table'].strip('\n'))
