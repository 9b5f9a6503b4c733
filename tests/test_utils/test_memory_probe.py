"""The training-memory probe: activation bytes grow with the input, the
fixed part counts weights, gradients and optimizer states."""
import torch
from torch import nn

from mmlight.registry import MODELS
from mmlight.utils.memory_probe import (batch_training_bytes,
                                        model_state_bytes)

def test_activation_bytes_scale_with_the_input(tiny_tsm_config):
    from mmaction.structures import ActionDataSample
    torch.manual_seed(0)
    model = MODELS.build(tiny_tsm_config).train()
    used = {}
    for h, w in ((32, 32), (64, 64)):
        data = dict(inputs=torch.randn(2, 4, 3, h, w),
                    data_samples=[ActionDataSample().set_gt_label(0)] * 2)
        used[h] = batch_training_bytes(model, data)
    assert used[32] > 2 * 4 * 3 * 32 * 32 * 4  # more than the input
    # 4x the pixels: about 4x the activations
    assert 3.0 < used[64] / used[32] < 4.5
    assert all(p.grad is None for p in model.parameters())


def test_state_bytes_count_weights_gradients_and_optimizer():
    layer = nn.Linear(10, 10)  # 110 fp32 weights
    assert model_state_bytes(layer, optimizer_slots=2) == 110 * 4 * 4
    layer.bias.requires_grad_(False)
    assert model_state_bytes(layer, optimizer_slots=0) == \
        100 * 4 * 2 + 10 * 4
