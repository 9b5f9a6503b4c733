from .cli import (build_test_parser, build_train_parser, merge_test_args,
                  merge_train_args, set_max_epochs)
from .setup_env import register_all_modules

__all__ = [
    'build_test_parser', 'build_train_parser', 'merge_test_args',
    'merge_train_args', 'register_all_modules', 'set_max_epochs'
]
