"""UnstructuredPruningHook: argument checks, and the zeros staying zero
while a real (small) Runner fine-tunes on a generated SynthFall."""
import pytest
import torch
import torch.nn as nn
from mmengine.runner import Runner

from mmlight.compression.pruning import SHAPES_KEY
from mmlight.engine.hooks import UnstructuredPruningHook
from mmlight.engine.hooks.base_pruning_hook import STEPS_KEY


@pytest.mark.parametrize('kwargs, match', [
    (dict(amount=1.5), 'amount'),
    (dict(amount=0.5, prune_at=[1, 0]), 'prune_at'),
])
def test_bad_arguments_fail_in_init(kwargs, match):
    with pytest.raises(ValueError, match=match):
        UnstructuredPruningHook(**kwargs)


@pytest.mark.slow
def test_unstructured_pruning_stays_sparse_while_training(
        synthfall_tiny, tmp_path, tiny_prune_cfg):
    cfg = tiny_prune_cfg(synthfall_tiny, tmp_path,
                         dict(type='UnstructuredPruningHook', amount=0.5,
                              prune_at=[0, 1]))
    runner = Runner.from_cfg(cfg)
    runner.train()
    weights = [m.weight for m in runner.model.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))]
    zeros = sum(int((w == 0).sum()) for w in weights)
    assert zeros / sum(w.numel() for w in weights) == pytest.approx(
        0.5, abs=0.01)
    ckpt = torch.load(tmp_path / 'epoch_2.pth', weights_only=True)
    assert ckpt['meta'][STEPS_KEY] == 2
    assert SHAPES_KEY not in ckpt['meta']
