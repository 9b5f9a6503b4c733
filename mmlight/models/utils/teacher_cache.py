"""Precompute a teacher's logits over a dataset (see VideoDistill)."""
import copy
from typing import Optional

import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from mmlight.models.utils.teacher import (load_checkpoint_strict,
                                          save_teacher_logits)
from mmlight.registry import DATASETS, MODELS
from mmlight.utils.config import load_config

__all__ = ['cache_teacher_logits']


@torch.no_grad()
def cache_teacher_logits(config: str, checkpoint: str, out: str,
                         split: str = 'train', device: str = 'cpu',
                         cfg_options: Optional[dict] = None) -> int:
    """Write the teacher's logits for every video of a split.

    The split's dataset is built with the config's test pipeline (one
    deterministic view per video) and ``filename`` packed as meta key.

    Args:
        config: Teacher config (file or ``mmlight::``/``mmaction::`` path).
        checkpoint: Teacher checkpoint (checked strictly).
        out: File to write.
        split: ``'train'``, ``'val'`` or ``'test'``. Defaults to
            ``'train'``.
        device: Where the teacher runs. Defaults to ``'cpu'``.
        cfg_options: Overrides merged into the teacher config (e.g. the
            split's ``ann_file`` and ``data_prefix``, as ``tools/train.py``
            takes them). Defaults to None.

    Returns:
        int: Number of videos.
    """
    cfg = load_config(config, cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmlight'))
    model = MODELS.build(cfg.model)
    load_checkpoint_strict(model, checkpoint, what='teacher')
    model.to(device).eval()
    data_cfg = copy.deepcopy(cfg[f'{split}_dataloader'].dataset)
    pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    pack = pipeline[-1]
    pack['meta_keys'] = tuple(pack.get('meta_keys', ())) + ('filename', )
    data_cfg.update(pipeline=pipeline, test_mode=True)
    data_cfg.pop('skip_unreadable', None)
    dataset = DATASETS.build(data_cfg)
    logits = {}
    for i in range(len(dataset)):
        batch = model.data_preprocessor(pseudo_collate([dataset[i]]), False)
        out_logits = model._forward(batch['inputs'], stage='head')
        name = batch['data_samples'][0].metainfo['filename']
        logits[name] = out_logits.float().mean(0).cpu()  # over views
    save_teacher_logits(logits, out, config=config, checkpoint=checkpoint,
                        split=split)
    return len(logits)
