"""Mixed-precision optim wrapper that also runs on CPU (compat breakage 4),
with the classification layer kept in float32."""
import contextlib
from typing import Iterator, Optional, Sequence, Union

import torch
from mmengine.device import is_cuda_available
from mmengine.optim import AmpOptimWrapper as MMEngineAmpOptimWrapper
from mmengine.optim import OptimWrapper

from mmlight.models.utils.fp32_modules import (DEFAULT_FP32_MODULES,
                                               keep_fp32)
from mmlight.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AmpOptimWrapper(MMEngineAmpOptimWrapper):
    """MMEngine's ``AmpOptimWrapper`` without its GPU-only assertion.

    With a GPU it is MMEngine's wrapper unchanged (fp16 autocast and dynamic
    loss scaling by default). Without one it autocasts to bfloat16, which
    needs no loss scaling, so the scaler is created disabled and
    ``backward``/``step`` reduce to the plain ones. Because it is registered
    under the same name in mmlight's child registry, configs with
    ``default_scope = 'mmlight'`` get it from
    ``optim_wrapper = dict(type='AmpOptimWrapper', ...)``.

    The modules named by ``fp32_modules`` (by default every classifier
    ``fc_cls`` of an MMAction2 head) run outside autocast, on float32
    inputs: the logits and the loss stay in full precision, which fp16's
    narrow range can otherwise overflow or round away.

    Args:
        loss_scale (float | str | dict): GradScaler setting on GPU, see
            MMEngine's wrapper. Ignored on CPU. Defaults to ``'dynamic'``.
        dtype (str | torch.dtype, optional): Autocast dtype. On CPU only
            ``'bfloat16'`` is supported and ``None`` means bfloat16.
            Defaults to None.
        use_fsdp (bool): Use the sharded scaler (GPU only). Defaults to False.
        fp32_modules (Sequence[str], optional): ``fnmatch`` patterns of
            module names (as in ``model.named_modules()``) kept in float32;
            a given pattern that matches nothing fails at the first step.
            ``()`` autocasts everything. Defaults to None: every
            ``*cls_head.fc_cls`` there is.
        **kwargs: Passed to :class:`mmengine.optim.OptimWrapper`.
    """

    def __init__(self,
                 loss_scale: Union[str, float, dict] = 'dynamic',
                 dtype: Optional[Union[str, torch.dtype]] = None,
                 use_fsdp: bool = False,
                 fp32_modules: Optional[Sequence[str]] = None,
                 **kwargs) -> None:
        self._fp32_strict = fp32_modules is not None
        if fp32_modules is None:
            fp32_modules = DEFAULT_FP32_MODULES
        if isinstance(fp32_modules, str) or not all(
                isinstance(p, str) for p in fp32_modules):
            raise ValueError('`fp32_modules` must be a sequence of module '
                             f'name patterns, got {fp32_modules!r}')
        self.fp32_modules = tuple(fp32_modules)
        if is_cuda_available():
            super().__init__(
                loss_scale=loss_scale, dtype=dtype, use_fsdp=use_fsdp,
                **kwargs)
            return
        if isinstance(dtype, str):
            if dtype not in self.valid_dtypes:
                raise ValueError(f'dtype must be one of {self.valid_dtypes}, '
                                 f'got {dtype!r}')
            dtype = getattr(torch, dtype)
        if dtype not in (None, torch.bfloat16):
            raise ValueError(
                f'AmpOptimWrapper: dtype={dtype} is not supported on CPU '
                "(CPU autocast runs in bfloat16); use dtype='bfloat16' or "
                'leave it unset.')
        OptimWrapper.__init__(self, **kwargs)
        self._scale_update_param = None
        self.loss_scaler = torch.amp.GradScaler('cpu', enabled=False)
        self.cast_dtype = torch.bfloat16

    @contextlib.contextmanager
    def optim_context(self, model: torch.nn.Module) -> Iterator[None]:
        """MMEngine's context (autocast, no gradient sync while
        accumulating), with ``fp32_modules`` kept in float32."""
        keep_fp32(model, self.fp32_modules, self._fp32_strict)
        with super().optim_context(model):
            yield
