"""Small video models for the pruning and optimizer tests, built so that
their outputs depend on their inputs."""
import copy

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmlight.models.layers import DepthwiseTemporalConv
from mmlight.registry import MODELS

T = 4
TSM = dict(
    type='Recognizer2D',
    backbone=dict(
        type='TemporalAdapter',
        num_segments=T,
        backbone=dict(type='torchvision.mobilenet_v3_small', width_mult=0.5),
        temporal_cfg=dict(type='shift')),
    cls_head=dict(type='TSNHead', in_channels=288, num_classes=3,
                  average_clips='prob',
                  consensus=dict(type='AvgConsensus', dim=1)))
TSM_CONV = copy.deepcopy(TSM)
TSM_CONV['backbone']['temporal_cfg'] = [dict(type='shift'),
                                        dict(type='conv')]
R3D = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3dSlowOnly', depth=18, base_channels=8,
                  pretrained=None, lateral=False, conv1_kernel=(1, 7, 7),
                  conv1_stride_t=1, pool1_stride_t=1, inflate=(0, 0, 1, 1)),
    cls_head=dict(type='I3DHead', in_channels=64, num_classes=3))
C2P1D = copy.deepcopy(TSM)
C2P1D['backbone']['temporal_cfg'] = None
C2P1D['cls_head'] = dict(type='Conv2Plus1DHead', in_channels=288,
                         num_classes=3, mid_channels=32)
AXIAL = copy.deepcopy(C2P1D)
AXIAL['cls_head'] = dict(type='AxialAttentionHead', in_channels=288,
                         num_classes=3, embed_dims=32, num_heads=2)
X2D = (2, T, 3, 48, 64)
X3D = (2, 1, 3, 8, 32, 32)


def build(cfg: dict) -> nn.Module:
    """A model in eval mode whose outputs depend on its input: random
    BatchNorm affines and temporal convs (identity temporal convs would hide
    a channel mix-up), BatchNorm statistics of random clips (stale ones let
    the signal fade layer by layer), class scores of order 1."""
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    for m in model.modules():
        if isinstance(m, _BatchNorm):
            nn.init.uniform_(m.weight, 0.5, 1.5)
            nn.init.uniform_(m.bias, -0.5, 0.5)
            m.reset_running_stats()
            m.momentum = None  # cumulative average
        elif isinstance(m, DepthwiseTemporalConv):
            nn.init.uniform_(m.conv.weight, -1, 1)
    nn.init.normal_(model.cls_head.fc_cls.weight, std=1.0)
    shape = X3D if cfg['type'] == 'Recognizer3D' else X2D
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.randn(shape), mode='tensor', stage='head')
    return model.eval()


def logits(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model(x, mode='tensor', stage='head')


def logits_grad(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return model(x, mode='tensor', stage='head')
