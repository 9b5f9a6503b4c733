"""Quantization-aware training of the backbone, converted to INT8 at the
end."""
import logging
import os.path as osp
import time
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import EpochBasedTrainLoop
from torch.utils.data import DataLoader

from mmlight.compression.optimizer import rebind_optimizer
from mmlight.compression.quantization.pt2e import (ExportedBackbone,
                                                   build_quantizer,
                                                   check_recognizer, convert,
                                                   export_backbone,
                                                   prepare_ptq,
                                                   save_quantized_recognizer)
from mmlight.engine.runner.ptq_loop import dataset_classes
from mmlight.measure.complexity import infer_input_shape
from mmlight.registry import LOOPS

__all__ = ['QATEpochBasedLoop']


@LOOPS.register_module()
class QATEpochBasedLoop(EpochBasedTrainLoop):
    """Epoch-based training of a recognizer whose backbone is fake-quantized
    (PT2E QAT), converted to INT8 and saved when training ends.

    When :meth:`run` starts, the runner has loaded ``load_from`` (the FP32
    student). The loop then exports the backbone in train mode (dynamic
    batch, a multiple of ``num_segments``), inserts torchao's X86 fake
    quantizers with ``prepare_qat_pt2e`` (BatchNorm stays trainable inside
    the graph), swaps it in as an
    :class:`~mmlight.compression.quantization.pt2e.ExportedBackbone` and
    points the optimizer's parameter groups at the graph's parameters
    (:func:`~mmlight.compression.optimizer.rebind_optimizer`). The
    wrapper's ``train()``/``eval()`` rewrite the graph's BatchNorm ops
    (torchao's ``move_exported_model_to_train/eval``), so validation
    evaluates the fake-quantized model with running statistics; observers
    are frozen during validation and from ``disable_observer_begin`` on.
    After the last epoch the graph is converted to int8, put in place, the
    backbone + FP32 head saved to ``save_path`` and, with
    ``val_after_convert``, the INT8 model is evaluated on the val set.

    Supported: QAT that starts from an FP32 checkpoint (``load_from``).
    Not supported: ``resume`` of a QAT run (the epoch checkpoints hold the
    fake-quantized graph's state, ``backbone.graph_module.*``, which the
    FP32 config cannot rebuild) -- :meth:`run` fails naming it; a
    wrapped (distributed) model; hooks that look for ``nn.BatchNorm2d``
    modules (``PreciseBNHook``: the graph has none).

    Args:
        runner: The runner.
        dataloader: The train dataloader.
        max_epochs: QAT epochs.
        val_begin: First epoch to validate after. Defaults to 1.
        val_interval: Validation interval in epochs. Defaults to 1.
        dynamic_intervals: See ``EpochBasedTrainLoop``. Defaults to None.
        quantizer_cfg: Quantizer options, see
            :func:`~mmlight.compression.quantization.pt2e.build_quantizer`.
            Defaults to None.
        disable_observer_begin: Epoch (1-based) from which the activation
            and weight ranges are frozen; -1 never. Defaults to -1.
        save_path: INT8 output; None gives ``<work_dir>/int8_qat_model.pt2``.
            Defaults to None.
        val_after_convert: Evaluate the converted INT8 model on the val
            set after training. Defaults to True.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 max_epochs: int,
                 val_begin: int = 1,
                 val_interval: int = 1,
                 dynamic_intervals: Optional[List[Tuple[int, int]]] = None,
                 quantizer_cfg: Optional[dict] = None,
                 disable_observer_begin: int = -1,
                 save_path: Optional[str] = None,
                 val_after_convert: bool = True) -> None:
        if isinstance(disable_observer_begin, bool) or not isinstance(
                disable_observer_begin, int) or not (
                    disable_observer_begin == -1
                    or disable_observer_begin >= 1):
            raise ValueError('`disable_observer_begin` must be -1 or an int '
                             f'>= 1, got {disable_observer_begin!r}')
        if save_path is not None and not isinstance(save_path, str):
            raise TypeError(f'`save_path` must be a str or None, got '
                            f'{save_path!r}')
        build_quantizer(quantizer_cfg, is_qat=True)  # fails on bad options
        super().__init__(runner, dataloader, max_epochs, val_begin,
                         val_interval, dynamic_intervals)
        self.quantizer_cfg = quantizer_cfg
        self.disable_observer_begin = disable_observer_begin
        self.save_path = save_path or osp.join(runner.work_dir,
                                               'int8_qat_model.pt2')
        self.val_after_convert = val_after_convert
        self.int8_metrics: Dict[str, float] = {}

    # ----------------------------------------------------------------- run
    def run(self) -> torch.nn.Module:
        """Prepare the model for QAT, train, convert and save."""
        self._prepare_model()
        self.runner.call_hook('before_train')
        while self._epoch < self._max_epochs and not self.stop_training:
            self.prepare_for_run_epoch()
            self.run_epoch()
            self._decide_current_val_interval()
            if (self.runner.val_loop is not None
                    and self._epoch >= self.val_begin
                    and (self._epoch % self.val_interval == 0
                         or self._epoch == self._max_epochs)):
                self.prepare_for_val()
                self.runner.val_loop.run()
        self._convert_and_save()
        self.runner.call_hook('after_train')
        return self.runner.model

    def prepare_for_run_epoch(self) -> None:
        """Fake quantization on; observers on until
        ``disable_observer_begin``."""
        from torchao.quantization.pt2e import (disable_observer,
                                               enable_fake_quant,
                                               enable_observer)
        graph = self.runner.model.backbone.graph_module
        graph.apply(enable_fake_quant)
        frozen = 0 < self.disable_observer_begin <= self._epoch + 1
        graph.apply(disable_observer if frozen else enable_observer)

    def prepare_for_val(self) -> None:
        """Validate the fake-quantized model with frozen ranges."""
        from torchao.quantization.pt2e import (disable_observer,
                                               enable_fake_quant)
        graph = self.runner.model.backbone.graph_module
        graph.apply(enable_fake_quant)
        graph.apply(disable_observer)

    # ------------------------------------------------------------- helpers
    def _prepare_model(self) -> None:
        model = self.runner.model
        if is_model_wrapper(model):
            raise RuntimeError('QATEpochBasedLoop supports an unwrapped '
                               'model only (no --launcher)')
        if self._epoch > 0 or self._iter > 0:
            raise RuntimeError(
                f'QATEpochBasedLoop: resuming QAT (epoch {self._epoch}) is '
                'not supported; start QAT again from the FP32 checkpoint '
                'with `load_from` and without `resume`')
        if isinstance(model.backbone, ExportedBackbone):
            raise RuntimeError('QATEpochBasedLoop: the backbone is already '
                               'an exported graph')
        if not self.runner._load_from:
            print_log(
                'QAT without `load_from`: quantization-aware training '
                'starts from the random initialisation', logger='current',
                level=logging.WARNING)
        num_segments = check_recognizer(model)
        shape = infer_input_shape(self.runner.cfg)
        param = next(model.parameters())
        example = torch.zeros((2, ) + tuple(shape[1:]), device=param.device)
        start = time.perf_counter()
        model.train()
        graph = export_backbone(model, example)
        prepared = prepare_ptq(graph, self.quantizer_cfg, is_qat=True)
        old = {
            f'backbone.{n}': p
            for n, p in model.backbone.named_parameters()
        }
        model.backbone = ExportedBackbone(prepared, num_segments,
                                          trainable=True).train()
        new = {
            n.replace('backbone.graph_module.', 'backbone.', 1): p
            for n, p in model.named_parameters()
        }
        optimizer = self.runner.optim_wrapper.optimizer
        rebound = rebind_optimizer(optimizer, old, new)
        moved = len(rebound.replaced) + len(rebound.removed)
        graph_params = {id(p) for p in model.backbone.parameters()}
        held = sum(id(p) in graph_params for g in optimizer.param_groups
                   for p in g['params'])
        print_log(
            f'QAT: backbone exported and fake-quantized in '
            f'{time.perf_counter() - start:.1f} s; the optimizer holds '
            f'{held}/{len(graph_params)} parameters of the graph ({moved} '
            'replaced, the others shared with the FP32 backbone)',
            logger='current')

    @torch.no_grad()
    def _convert_and_save(self) -> None:
        model = self.runner.model
        backbone = model.backbone
        backbone.eval()
        start = time.perf_counter()
        converted = convert(backbone.graph_module.cpu())
        model.cpu()
        model.backbone = ExportedBackbone(converted, backbone.num_segments)
        model.eval()
        example = torch.zeros(
            (1, ) + tuple(infer_input_shape(self.runner.cfg)[1:]))
        size = save_quantized_recognizer(
            model,
            self.save_path,
            example,
            metadata=dict(
                mode='qat',
                epochs=self._epoch,
                quantized='backbone int8, cls_head FP32',
                classes=dataset_classes(self.dataloader)))
        print_log(
            f'QAT: converted to INT8 in {time.perf_counter() - start:.1f} s '
            f'and saved to {self.save_path} ({size / 2**20:.2f} MiB)',
            logger='current')
        if self.val_after_convert and self.runner.val_loop is not None:
            self.int8_metrics = self._evaluate(model)
            print_log(
                'QAT: INT8 model on the val set: ' + '  '.join(
                    f'{k}: {v:.4f}' for k, v in self.int8_metrics.items()
                    if isinstance(v, float)), logger='current')

    def _evaluate(self, model) -> Dict[str, float]:
        """The val metrics, without the val hooks (no best checkpoint)."""
        loop = self.runner.val_loop
        for data_batch in loop.dataloader:
            outputs = model.val_step(data_batch)
            loop.evaluator.process(data_samples=outputs, data_batch=data_batch)
        return loop.evaluator.evaluate(len(loop.dataloader.dataset))

