"""Multi-head self-attention and a pre-norm transformer block, timm style.

The attention has a fused path (``F.scaled_dot_product_attention``) and a
plain reference path that spells the math out; tests check they agree.
"""
from typing import Optional, Type

import torch
import torch.nn as nn
import torch.nn.functional as F
from timm.layers import DropPath, Mlp

__all__ = ['MultiheadSelfAttention', 'TransformerBlock']


def _check_prob(name: str, value: float) -> None:
    if not 0.0 <= value < 1.0:
        raise ValueError(f'`{name}` must be in [0, 1), got {value}')


class MultiheadSelfAttention(nn.Module):
    """Multi-head self-attention over a token sequence.

    Args:
        dim: Token channels ``C``; must be divisible by ``num_heads``.
        num_heads: Number of attention heads. Defaults to 4.
        qkv_bias: Whether the qkv projection has a bias. Defaults to True.
        attn_drop: Dropout on the attention weights. Defaults to 0.
        proj_drop: Dropout after the output projection. Defaults to 0.
        fused: Use ``F.scaled_dot_product_attention``; ``False`` selects the
            reference path, which computes ``softmax(QK^T / sqrt(d)) V``
            explicitly. Defaults to True.

    Note:
        ``mask`` follows :class:`torch.nn.MultiheadAttention`'s
        ``key_padding_mask``: ``True`` marks a padding token that no query
        attends to. Padding tokens still produce (meaningless) outputs. A
        sequence whose keys are all padding attends to all of them instead
        of producing NaN.

    Examples:
        >>> attn = MultiheadSelfAttention(32, num_heads=4)
        >>> x = torch.randn(2, 5, 32)
        >>> mask = torch.tensor([[False] * 5, [False] * 3 + [True] * 2])
        >>> attn(x, mask).shape
        torch.Size([2, 5, 32])
    """

    def __init__(self,
                 dim: int,
                 num_heads: int = 4,
                 qkv_bias: bool = True,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.,
                 fused: bool = True) -> None:
        super().__init__()
        if dim < 1:
            raise ValueError(f'`dim` must be a positive int, got {dim}')
        if num_heads < 1 or dim % num_heads != 0:
            raise ValueError(f'`num_heads` must be a positive divisor of '
                             f'`dim`={dim}, got {num_heads}')
        _check_prob('attn_drop', attn_drop)
        _check_prob('proj_drop', proj_drop)
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = self.head_dim**-0.5
        self.fused = fused
        self.attn_drop_p = attn_drop

        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = nn.Dropout(attn_drop)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self,
                x: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Attend every token to every (unpadded) token.

        Args:
            x: Tokens of shape ``(B, L, C)``.
            mask: Optional bool key padding mask of shape ``(B, L)``,
                ``True`` at padding. Defaults to None.

        Returns:
            torch.Tensor: Tokens of shape ``(B, L, C)``.
        """
        B, L, C = x.shape
        qkv = self.qkv(x).reshape(B, L, 3, self.num_heads, self.head_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # each (B, h, L, d)

        keep = None
        if mask is not None:
            if mask.shape != (B, L):
                raise ValueError(f'`mask` must have shape (B, L)=({B}, {L}),'
                                 f' got {tuple(mask.shape)}')
            mask = mask.bool()
            # An all-padding row would softmax to NaN; let it attend to all.
            mask = mask & ~mask.all(dim=1, keepdim=True)
            keep = ~mask[:, None, None, :]  # (B, 1, 1, L), True = attend

        if self.fused:
            x = F.scaled_dot_product_attention(
                q,
                k,
                v,
                attn_mask=keep,
                dropout_p=self.attn_drop_p if self.training else 0.)
        else:
            attn = (q * self.scale) @ k.transpose(-2, -1)  # (B, h, L, L)
            if keep is not None:
                attn = attn.masked_fill(~keep, float('-inf'))
            attn = self.attn_drop(attn.softmax(dim=-1))
            x = attn @ v

        x = x.transpose(1, 2).reshape(B, L, C)
        return self.proj_drop(self.proj(x))


class TransformerBlock(nn.Module):
    """Pre-norm transformer block: ``x + attn(norm(x))``,
    then ``x + mlp(norm(x))``.

    Args:
        dim: Token channels ``C``.
        num_heads: Number of attention heads.
        mlp_ratio: Hidden width of the MLP relative to ``dim``.
            Defaults to 2.0.
        drop_path: Stochastic depth rate of both residual branches.
            Defaults to 0.
        norm_layer: Normalization layer class. Defaults to ``nn.LayerNorm``.
        act_layer: Activation class of the MLP. Defaults to ``nn.GELU``.
        fused: Use the fused attention path. Defaults to True.

    Examples:
        >>> block = TransformerBlock(32, num_heads=4)
        >>> block(torch.randn(2, 7, 32)).shape
        torch.Size([2, 7, 32])
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 mlp_ratio: float = 2.0,
                 drop_path: float = 0.,
                 norm_layer: Type[nn.Module] = nn.LayerNorm,
                 act_layer: Type[nn.Module] = nn.GELU,
                 fused: bool = True) -> None:
        super().__init__()
        if mlp_ratio <= 0:
            raise ValueError(f'`mlp_ratio` must be > 0, got {mlp_ratio}')
        _check_prob('drop_path', drop_path)
        self.norm1 = norm_layer(dim)
        self.attn = MultiheadSelfAttention(dim, num_heads, fused=fused)
        self.drop_path1 = DropPath(drop_path) if drop_path > 0 \
            else nn.Identity()
        self.norm2 = norm_layer(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), act_layer=act_layer)
        self.drop_path2 = DropPath(drop_path) if drop_path > 0 \
            else nn.Identity()

    def forward(self,
                x: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Apply the block.

        Args:
            x: Tokens of shape ``(B, L, C)``.
            mask: Optional bool key padding mask of shape ``(B, L)``,
                ``True`` at padding. Defaults to None.

        Returns:
            torch.Tensor: Tokens of shape ``(B, L, C)``.
        """
        x = x + self.drop_path1(self.attn(self.norm1(x), mask))
        return x + self.drop_path2(self.mlp(self.norm2(x)))
