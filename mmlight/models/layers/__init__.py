from .attention import MultiheadSelfAttention, TransformerBlock

__all__ = ['MultiheadSelfAttention', 'TransformerBlock']
