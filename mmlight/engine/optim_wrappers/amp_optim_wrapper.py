"""Mixed-precision optim wrapper that also runs on CPU (compat breakage 4)."""
from typing import Optional, Union

import torch
from mmengine.device import is_cuda_available
from mmengine.optim import AmpOptimWrapper as MMEngineAmpOptimWrapper
from mmengine.optim import OptimWrapper

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

    Args:
        loss_scale (float | str | dict): GradScaler setting on GPU, see
            MMEngine's wrapper. Ignored on CPU. Defaults to ``'dynamic'``.
        dtype (str | torch.dtype, optional): Autocast dtype. On CPU only
            ``'bfloat16'`` is supported and ``None`` means bfloat16.
            Defaults to None.
        use_fsdp (bool): Use the sharded scaler (GPU only). Defaults to False.
        **kwargs: Passed to :class:`mmengine.optim.OptimWrapper`.
    """

    def __init__(self,
                 loss_scale: Union[str, float, dict] = 'dynamic',
                 dtype: Optional[Union[str, torch.dtype]] = None,
                 use_fsdp: bool = False,
                 **kwargs) -> None:
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
