"""Shared fixtures of the compression tests (their small models are in
``pruning_models.py`` beside this file)."""
import pytest

from mmlight.compression.pruning import pruner


@pytest.fixture
def no_flops(monkeypatch):
    """Skip the FLOP count (a jit trace) where a test does not read it."""
    monkeypatch.setattr(pruner, '_complexity', lambda model, *args: dict(
        params=sum(p.numel() for p in model.parameters()), flops=None))
