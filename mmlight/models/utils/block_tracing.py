"""Find the residual blocks of a 2D network, their stages and their convs.

The pure half of :class:`~mmlight.models.backbones.TemporalAdapter`: it
reads any 2D network (MMAction2, torchvision, timm, MMPretrain) without
per-model code. Blocks are found by class name, their order, stages and
conv order by one forward pass with hooks.
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Sequence, Tuple

import torch
import torch.nn as nn

__all__ = [
    'DEFAULT_BLOCK_TYPES', 'BlockInfo', 'find_blocks', 'trace_blocks',
    'has_shortcut'
]

#: Class names of the residual blocks of common 2D backbones.
DEFAULT_BLOCK_TYPES: Tuple[str, ...] = (
    # torchvision MobileNetV2/V3, ShuffleNetV2, MNASNet; MMAction2 and
    # MMPretrain MobileNetV2; timm MobileNetV3/EfficientNet
    'InvertedResidual', '_InvertedResidual',
    # torchvision EfficientNet(V2)
    'MBConv', 'FusedMBConv',
    # timm EfficientNet / MobileNetV3 / MobileNetV4 / GhostNet
    'DepthwiseSeparableConv', 'EdgeResidual', 'UniversalInvertedResidual',
    'GhostBottleneck',
    # MMPretrain ShuffleNetV1/V2
    'ShuffleUnit',
    # ResNets (torchvision, timm, MMAction2, MMPretrain); torchvision RegNet
    'BasicBlock', 'Bottleneck', 'ResBottleneckBlock',
)


@dataclass
class BlockInfo:
    """What one traced forward pass tells of a block.

    Attributes:
        name: Qualified name in the network.
        module: The block.
        stage: Index of the block's output stride among all blocks' strides
            (0 = the highest resolution).
        out_size: Spatial ``(H, W)`` of its output in the traced pass.
        convs: Names (relative to the block) of its ``nn.Conv2d`` layers in
            the order they ran.
        spatial_convs: The subset of ``convs`` with a kernel larger than 1.
    """
    name: str
    module: nn.Module
    stage: int = -1
    out_size: Tuple[int, int] = (0, 0)
    convs: List[str] = field(default_factory=list)
    spatial_convs: List[str] = field(default_factory=list)


def find_blocks(model: nn.Module,
                block_types: Sequence[str]) -> List[Tuple[str, nn.Module]]:
    """The outermost modules whose class name is in ``block_types``.

    Args:
        model: The network.
        block_types: Class names.

    Returns:
        list[tuple[str, nn.Module]]: ``(name, module)`` in registration
        order; blocks nested in a found block are not listed.
    """
    types = set(block_types)
    found: List[Tuple[str, nn.Module]] = []

    def visit(prefix: str, module: nn.Module) -> None:
        for name, child in module.named_children():
            full = f'{prefix}.{name}' if prefix else name
            if type(child).__name__ in types:
                found.append((full, child))
            else:
                visit(full, child)

    visit('', model)
    return found


def trace_blocks(forward: Callable[[torch.Tensor], object],
                 model: nn.Module,
                 blocks: Sequence[Tuple[str, nn.Module]],
                 example: torch.Tensor) -> List[BlockInfo]:
    """Run ``forward(example)`` once and describe the blocks that ran.

    The pass runs in eval mode under ``no_grad`` (BN statistics are not
    touched) and ``model``'s training flag is restored afterwards.

    Args:
        forward: Computes the network's features from ``example``.
        model: The module that owns ``blocks`` (for the mode switch).
        blocks: Output of :func:`find_blocks`.
        example: A ``(B, 3, H, W)`` input.

    Returns:
        list[BlockInfo]: The blocks that ran, in execution order, with
        stages assigned. Blocks that did not run are left out.
    """
    infos: Dict[int, BlockInfo] = {}
    order: List[int] = []
    handles = []

    def on_block(block: nn.Module, name: str) -> Callable:

        def hook(mod, inputs, output):
            key = id(mod)
            if key not in infos:
                return
            if key not in order:
                order.append(key)
            out = output[0] if isinstance(output, (tuple, list)) else output
            infos[key].out_size = tuple(out.shape[-2:])

        return hook

    def on_conv(block_key: int, conv_name: str, kernel: Tuple[int, ...]):

        def hook(mod, inputs):
            info = infos[block_key]
            if conv_name not in info.convs:
                info.convs.append(conv_name)
                if max(kernel) > 1:
                    info.spatial_convs.append(conv_name)

        return hook

    for name, block in blocks:
        key = id(block)
        infos[key] = BlockInfo(name=name, module=block)
        handles.append(block.register_forward_hook(on_block(block, name)))
        for conv_name, conv in block.named_modules():
            if isinstance(conv, nn.Conv2d):
                handles.append(
                    conv.register_forward_pre_hook(
                        on_conv(key, conv_name, conv.kernel_size)))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            forward(example)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()

    traced = [infos[k] for k in order]
    # stage = rank of the output resolution, highest resolution first
    areas = sorted({i.out_size[0] * i.out_size[1] for i in traced},
                   reverse=True)
    for info in traced:
        info.stage = areas.index(info.out_size[0] * info.out_size[1])
    return traced


def has_shortcut(block: nn.Module) -> bool:
    """Whether a block adds (or concatenates) its input to its output.

    Reads the flags that torchvision (``use_res_connect``), timm
    (``has_skip``, ``has_residual``) and MMAction2 / MMPretrain
    (``use_res_connect``) set; a ShuffleNetV2 unit keeps half its input
    untouched only with stride 1. Unknown blocks count as residual, as
    ResNet blocks are (their projection shortcut carries the input).
    """
    for attr in ('use_res_connect', 'has_skip', 'has_residual',
                 'use_residual'):
        value = getattr(block, attr, None)
        if isinstance(value, bool):
            return value
    if hasattr(block, 'branch2') and hasattr(block, 'stride'):
        stride = block.stride
        return (stride if isinstance(stride, int) else max(stride)) == 1
    return True
