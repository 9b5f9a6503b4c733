"""The training-memory probe: activation bytes grow with the input, the
fixed part counts weights, gradients and optimizer states."""
import torch
from torch import nn

from mmlight.registry import MODELS
from mmlight.measure.memory_probe import (batch_training_bytes,
                                        decoded_bytes, model_state_bytes)


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
    # 4x the pixels: about 4x the activations (less: the weights'
    # gradients, allocated in the backward, are a constant part)
    assert 2.5 < used[64] / used[32] < 4.5
    assert all(p.grad is None for p in model.parameters())


def test_decoded_clips_count_unless_the_inputs_share_them():
    clips = [torch.zeros(3, 8, 48, 64, dtype=torch.uint8) for _ in range(2)]
    floats = torch.stack(clips).float()
    assert decoded_bytes(clips, floats) == 2 * 3 * 8 * 48 * 64
    # a preprocessor that only moves them (same storage): nothing twice
    assert decoded_bytes(clips, clips) == 0
    assert decoded_bytes(floats, floats) == 0


def test_state_bytes_count_weights_gradients_and_optimizer():
    layer = nn.Linear(10, 10)  # 110 fp32 weights
    assert model_state_bytes(layer, optimizer_slots=2) == 110 * 4 * 4
    layer.bias.requires_grad_(False)
    assert model_state_bytes(layer, optimizer_slots=0) == \
        100 * 4 * 2 + 10 * 4


def test_cpu_peak_sees_what_checkpointing_recomputes():
    """The allocator profile counts the backward's recomputation: with
    checkpointing the peak drops, yet stays above what autograd saves (the
    two block inputs), because one block is recomputed at a time."""
    from torch.utils.checkpoint import checkpoint

    from mmlight.measure.memory_probe import cpu_peak_bytes
    torch.manual_seed(0)
    blocks = nn.ModuleList(
        nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8),
                      nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())
        for _ in range(2))
    x = torch.randn(4, 8, 32, 32, requires_grad=True)
    one = x.numel() * 4  # bytes of one activation

    def run(with_cp):
        def fn():
            y = x
            for block in blocks:
                y = checkpoint(block, y, use_reentrant=False) if with_cp \
                    else block(y)
            y.sum().backward()
        return fn

    full, saved = cpu_peak_bytes(run(False)), cpu_peak_bytes(run(True))
    assert full >= 8 * one  # every intermediate kept for the backward
    assert 3 * one <= saved < full
    assert cpu_peak_bytes(lambda: None) == 0
