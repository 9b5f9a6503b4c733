"""Post-training INT8 quantization, then the usual test evaluation."""
import copy
import itertools
import os.path as osp
import time
from typing import Dict, Iterator, List, Optional, Union

import torch
from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import TestLoop
from torch.utils.data import DataLoader

from mmlight.compression.quantization.pt2e import (
    build_quantizer, check_recognizer, quantize_dynamic_linear,
    quantize_recognizer_static, save_quantized_recognizer, serialized_size)
from mmlight.registry import LOOPS

__all__ = ['PTQLoop', 'dataset_classes', 'resolve_dataloader']

_MODES = ('static', 'dynamic')
_RUNNER_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def resolve_dataloader(runner,
                       dataloader: Union[DataLoader, dict, str]) -> DataLoader:
    """A DataLoader from a config, a DataLoader, or the name of one of the
    runner's (``'val_dataloader'``: its config, so ``--cfg-options`` on
    ``val_dataloader`` reach it too)."""
    if isinstance(dataloader, str):
        name, dataloader = dataloader, getattr(runner, f'_{dataloader}')
        if dataloader is None:
            raise ValueError(f'calibrate_dataloader={name!r}: the config '
                             f'has no {name}')
    if isinstance(dataloader, dict):
        return runner.build_dataloader(
            copy.deepcopy(dataloader),
            seed=runner.seed,
            diff_rank_seed=runner._randomness_cfg.get('diff_rank_seed',
                                                      False))
    return dataloader


def dataset_classes(dataloader: DataLoader) -> list:
    """The class names in a dataloader's dataset meta, or ``[]``."""
    meta = getattr(dataloader.dataset, 'metainfo', None) or {}
    return list(meta.get('classes') or [])


@LOOPS.register_module()
class PTQLoop(TestLoop):
    """Test loop that quantizes the loaded FP32 recognizer to INT8 first.

    ``Runner.test`` loads the checkpoint (``load_from``, the checkpoint of
    ``tools/test.py``) before it runs the loop, so :meth:`run` starts from
    the FP32 weights. In ``'static'`` mode it exports the backbone with
    ``torch.export`` (dynamic batch, a multiple of ``num_segments`` for
    TSM), inserts observers with torchao's X86 inductor quantizer, runs
    ``calibrate_steps`` real batches of ``calibrate_dataloader`` through
    the model's data preprocessor and the backbone, converts to int8 and
    puts the converted graph in place of the backbone (the head stays
    FP32). It then evaluates the test set as :class:`TestLoop` does and
    saves backbone and head as one ``torch.export`` program, ``(N, T, C, H,
    W)`` normalised clips to ``(N, num_classes)`` class scores, with int8
    weights. ``'dynamic'`` mode quantizes the ``nn.Linear`` layers only
    (weights int8, activations per batch): on MobileNetV3 the classifier.

    The quantized model runs in eager mode here, on q/dq reference ops:
    the accuracy is the INT8 model's, the speed is not; see
    :mod:`mmlight.compression.quantization.pt2e`. Quantization runs on the
    CPU (the X86 backend); a model on another device is moved there.

    Args:
        runner: The runner.
        dataloader: The test dataloader (config or object).
        evaluator: The test evaluator.
        calibrate_dataloader: Calibration data: a dataloader config, a
            DataLoader, or the name of the runner's dataloader to use, e.g.
            ``'val_dataloader'``. Never the test split.
            Defaults to ``'val_dataloader'``.
        calibrate_steps: Batches to calibrate on (fewer if the loader ends
            first). Defaults to 32.
        mode: ``'static'`` (PT2E, backbone int8) or ``'dynamic'``
            (``quantize_dynamic`` of Linear layers). Defaults to
            ``'static'``.
        quantizer_cfg: Quantizer options, see
            :func:`~mmlight.compression.quantization.pt2e.build_quantizer`.
            Defaults to None.
        save_path: Where to save the INT8 model; None gives
            ``<work_dir>/int8_model.pt2`` (``int8_dynamic_linear.pth``, a
            state dict, in dynamic mode). Defaults to None.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List],
                 calibrate_dataloader: Union[DataLoader, Dict,
                                             str] = 'val_dataloader',
                 calibrate_steps: int = 32,
                 mode: str = 'static',
                 quantizer_cfg: Optional[dict] = None,
                 save_path: Optional[str] = None) -> None:
        if mode not in _MODES:
            raise ValueError(f'`mode` must be one of {list(_MODES)}, got '
                             f'{mode!r}')
        if isinstance(calibrate_steps, bool) or not isinstance(
                calibrate_steps, int) or calibrate_steps < 1:
            raise ValueError('`calibrate_steps` must be an int >= 1, got '
                             f'{calibrate_steps!r}')
        if isinstance(calibrate_dataloader, str) \
                and calibrate_dataloader not in _RUNNER_LOADERS:
            raise ValueError('`calibrate_dataloader` as a string must name '
                             f'one of {list(_RUNNER_LOADERS)}, got '
                             f'{calibrate_dataloader!r}')
        if not isinstance(calibrate_dataloader, (str, dict, DataLoader)):
            raise TypeError('`calibrate_dataloader` must be a config dict, a '
                            'DataLoader or a dataloader name, got '
                            f'{type(calibrate_dataloader).__name__}')
        if save_path is not None and not isinstance(save_path, str):
            raise TypeError(f'`save_path` must be a str or None, got '
                            f'{save_path!r}')
        if mode == 'static':
            build_quantizer(quantizer_cfg)  # fails on bad options
        super().__init__(runner, dataloader, evaluator)
        self._calibrate_dataloader = calibrate_dataloader
        self.calibrate_steps = calibrate_steps
        self.mode = mode
        self.quantizer_cfg = quantizer_cfg
        default = ('int8_model.pt2'
                   if mode == 'static' else 'int8_dynamic_linear.pth')
        self.save_path = save_path or osp.join(runner.work_dir, default)
        self.stats: Dict[str, float] = {}

    def run(self) -> dict:
        """Quantize the loaded model, then test it."""
        model = self.runner.model
        if is_model_wrapper(model):
            raise RuntimeError('PTQLoop quantizes an unwrapped model; run '
                               'tools/test.py without --launcher')
        fp32_bytes = serialized_size(model.state_dict())
        model.eval()
        if self.mode == 'static':
            self._quantize_static(model)
        else:
            start = time.perf_counter()
            quantize_dynamic_linear(model, inplace=True)
            self.stats['quantize_s'] = time.perf_counter() - start
            torch.save(model.state_dict(), self.save_path)
            self.stats['int8_bytes'] = osp.getsize(self.save_path)
        self.stats['fp32_bytes'] = fp32_bytes
        print_log(
            f'PTQ ({self.mode}): INT8 model saved to {self.save_path}: '
            f'{self.stats["int8_bytes"] / 2**20:.2f} MiB vs FP32 state dict '
            f'{fp32_bytes / 2**20:.2f} MiB '
            f'({fp32_bytes / self.stats["int8_bytes"]:.2f}x smaller)',
            logger='current')
        return super().run()

    # ------------------------------------------------------------------
    def _inputs(self, model, data_batch: dict) -> torch.Tensor:
        """``(N, S, C, H, W)`` model inputs after the data preprocessor."""
        return model.data_preprocessor(data_batch, False)['inputs']

    def _batches(self, model, loader: Iterator) -> Iterator[torch.Tensor]:
        for batch in loader:
            yield self._inputs(model, batch)

    def _quantize_static(self, model) -> None:
        check_recognizer(model)
        if next(model.parameters()).device.type != 'cpu':
            print_log('PTQ: X86 INT8 is a CPU backend; moving the model to '
                      'the CPU', logger='current')
            model.cpu()
        loader = iter(
            resolve_dataloader(self.runner, self._calibrate_dataloader))
        first = self._inputs(model, next(loader))
        batches = itertools.chain([first], self._batches(model, loader))
        stats = quantize_recognizer_static(model, batches,
                                           self.calibrate_steps,
                                           self.quantizer_cfg)
        self.stats.update(stats)
        print_log(
            f'PTQ: exported and prepared in {stats["export_s"]:.1f} s, '
            f'calibrated on {stats["calibrate_steps"]} batches '
            f'({first.shape[0]} clips each) in {stats["calibrate_s"]:.1f} s, '
            f'converted in {stats["convert_s"]:.1f} s', logger='current')
        self._save(model, first, stats['calibrate_steps'])

    def _save(self, model, example: torch.Tensor, steps: int) -> None:
        start = time.perf_counter()
        self.stats['int8_bytes'] = save_quantized_recognizer(
            model,
            self.save_path,
            example,
            metadata=dict(
                mode=self.mode,
                calibrate_steps=steps,
                quantized='backbone int8, cls_head FP32',
                classes=dataset_classes(self.dataloader)))
        self.stats['save_s'] = time.perf_counter() - start
