"""Pure helpers of the models: activation checkpointing, block tracing,
FP32 islands, Precise BN, pretrained weights, teacher checkpoints and the
teacher-logit cache, clip views, video feature layout, weight init."""
from .activation_checkpoint import (checkpoint_bn_safe, frozen_bn_stats,
                                    is_checkpointing, set_checkpointing)
from .block_tracing import (DEFAULT_BLOCK_TYPES, BlockInfo, find_blocks,
                            has_shortcut, trace_blocks)
from .fp32_modules import DEFAULT_FP32_MODULES, keep_fp32
from .precise_bn import update_bn_stats
from .pretrained import map_state_dict, read_state_dict
from .video_features import to_video_features
from .weight_init import init_transformer_weights

__all__ = [
    'DEFAULT_BLOCK_TYPES', 'DEFAULT_FP32_MODULES', 'BlockInfo',
    'keep_fp32',
    'checkpoint_bn_safe', 'find_blocks',
    'frozen_bn_stats', 'has_shortcut', 'init_transformer_weights',
    'is_checkpointing', 'map_state_dict', 'read_state_dict',
    'set_checkpointing', 'to_video_features', 'trace_blocks',
    'update_bn_stats'
]
