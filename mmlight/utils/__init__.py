from .cli import (build_test_parser, build_train_parser, merge_test_args,
                  merge_train_args, run_tool, set_max_epochs)
from .config import load_config
from .complexity import infer_input_shape, model_complexity
from .setup_env import register_all_modules

__all__ = [
    'build_test_parser', 'build_train_parser', 'infer_input_shape',
    'load_config', 'merge_test_args', 'merge_train_args', 'model_complexity',
    'register_all_modules', 'run_tool', 'set_max_epochs'
]
