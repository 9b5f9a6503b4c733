"""The pruned-shape description: a round trip through a weights-only
checkpoint, and the one function that reshapes a model from a
checkpoint."""
import copy
import io
import json

import pytest
import torch
import torch.nn as nn
from pruning_models import R3D, TSM, TSM_CONV, X2D, X3D, build, logits

from mmlight.compression.pruning import (SHAPES_KEY, ChannelPruner,
                                         apply_pruned_shapes, pruned_shapes,
                                         reshape_to_checkpoint)


@pytest.mark.parametrize('cfg, shape', [(TSM_CONV, X2D), (R3D, X3D)],
                         ids=['tsm+tconv', 'conv3d'])
def test_pruned_shapes_round_trip(cfg, shape):
    model = build(cfg)
    x = torch.randn(shape)
    pruner = ChannelPruner(pruning_ratio=0.4)
    pruner.attach(model, x)
    pruner.step()
    shapes = pruned_shapes(model)
    json.dumps(shapes)  # ints, strings and lists only
    buf = io.BytesIO()
    torch.save({'state_dict': model.state_dict(), 'meta': {'s': shapes}},
               buf)
    buf.seek(0)
    ckpt = torch.load(buf, weights_only=True)

    fresh = build(cfg)
    with pytest.raises(RuntimeError, match='size mismatch'):
        fresh.load_state_dict(ckpt['state_dict'])
    changed = apply_pruned_shapes(fresh, ckpt['meta']['s'])
    assert 'backbone.model.features.4.block.2.fc1' in changed \
        or cfg is R3D
    fresh.load_state_dict(ckpt['state_dict'], strict=True)
    torch.testing.assert_close(logits(fresh, x), logits(model, x))
    assert pruned_shapes(fresh) == shapes

    with pytest.raises(ValueError, match='format'):
        apply_pruned_shapes(fresh, dict(shapes, version=99))
    bad = copy.deepcopy(shapes)
    bad['modules']['backbone.nothing'] = {'attrs': {'channels': 1}}
    with pytest.raises(ValueError, match='backbone.nothing'):
        apply_pruned_shapes(build(cfg), bad)


def test_reshape_to_checkpoint_from_a_file_a_checkpoint_or_its_meta(
        tmp_path, no_flops):
    model = build(TSM)
    pruner = ChannelPruner(pruning_ratio=0.5)
    pruner.attach(model, torch.randn(X2D))
    pruner.step()
    shapes = pruned_shapes(model)
    path = tmp_path / 'pruned.pth'
    torch.save(dict(state_dict=model.state_dict(),
                    meta={SHAPES_KEY: shapes}), path)
    for source in (str(path), torch.load(path, weights_only=True),
                   {SHAPES_KEY: shapes}):
        fresh = build(TSM)
        assert 'backbone.model.features.4.block.2.fc1' in \
            reshape_to_checkpoint(fresh, source)
        fresh.load_state_dict(model.state_dict(), strict=True)
    # shapes recorded on a distillation algorithm's student
    algorithm = nn.Module()
    algorithm.student = build(TSM)
    assert reshape_to_checkpoint(
        algorithm, {SHAPES_KEY: dict(shapes, root='student')})
    algorithm.student.load_state_dict(model.state_dict(), strict=True)
    with pytest.raises(ValueError, match='root'):
        reshape_to_checkpoint(build(TSM), {SHAPES_KEY: dict(
            shapes, root='student')})
    # an unpruned checkpoint leaves the model as it is
    assert reshape_to_checkpoint(build(TSM), {'meta': {}}) is None
