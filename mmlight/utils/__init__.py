"""The base every other package stands on: the one config loader
(:mod:`.config`), checkpoint files (:mod:`.checkpoint_io`), random states,
schedules, console progress and module registration."""
from .config import load_config
from .setup_env import register_all_modules

__all__ = ['load_config', 'register_all_modules']
