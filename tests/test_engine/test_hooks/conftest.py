"""Shared fixtures of the hook tests."""
import pytest


@pytest.fixture
def hook_log(monkeypatch):
    """``hook_log(module)``: the list of what that hook module logs through
    ``print_log`` from then on (MMEngine's logger is shared by name between
    the Runners of one test process, so its files are no witness)."""

    def capture(module) -> list:
        logged = []
        monkeypatch.setattr(module, 'print_log',
                            lambda msg, **kwargs: logged.append(msg))
        return logged

    return capture
