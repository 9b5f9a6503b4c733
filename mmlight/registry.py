"""mmlight's registries: children of MMAction2's, scope ``mmlight``.

Configs set ``default_scope = 'mmlight'``; a type that mmlight does not
register (``Recognizer3D``, ``VideoDataset``...) resolves through the parent
MMAction2 registry, and from there MMEngine's, without a prefix.
"""
from typing import Optional

from mmaction.registry import DATA_SAMPLERS as MMACTION_DATA_SAMPLERS
from mmaction.registry import DATASETS as MMACTION_DATASETS
from mmaction.registry import EVALUATOR as MMACTION_EVALUATOR
from mmaction.registry import FUNCTION as MMACTION_FUNCTION
from mmaction.registry import HOOKS as MMACTION_HOOKS
from mmaction.registry import INFERENCERS as MMACTION_INFERENCERS
from mmaction.registry import LOG_PROCESSORS as MMACTION_LOG_PROCESSORS
from mmaction.registry import LOOPS as MMACTION_LOOPS
from mmaction.registry import METRICS as MMACTION_METRICS
from mmaction.registry import MODEL_WRAPPERS as MMACTION_MODEL_WRAPPERS
from mmaction.registry import MODELS as MMACTION_MODELS
from mmaction.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMACTION_OPTIM_WRAPPER_CONSTRUCTORS
from mmaction.registry import OPTIM_WRAPPERS as MMACTION_OPTIM_WRAPPERS
from mmaction.registry import OPTIMIZERS as MMACTION_OPTIMIZERS
from mmaction.registry import PARAM_SCHEDULERS as MMACTION_PARAM_SCHEDULERS
from mmaction.registry import \
    RUNNER_CONSTRUCTORS as MMACTION_RUNNER_CONSTRUCTORS
from mmaction.registry import RUNNERS as MMACTION_RUNNERS
from mmaction.registry import TASK_UTILS as MMACTION_TASK_UTILS
from mmaction.registry import TRANSFORMS as MMACTION_TRANSFORMS
from mmaction.registry import VISBACKENDS as MMACTION_VISBACKENDS
from mmaction.registry import VISUALIZERS as MMACTION_VISUALIZERS
from mmaction.registry import \
    WEIGHT_INITIALIZERS as MMACTION_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

__all__ = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'DATASETS',
    'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS',
    'WEIGHT_INITIALIZERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'METRICS', 'EVALUATOR',
    'TASK_UTILS', 'VISUALIZERS', 'VISBACKENDS', 'LOG_PROCESSORS',
    'INFERENCERS', 'FUNCTION'
]

SCOPE = 'mmlight'


def _child(name: str, parent: Registry,
           location: Optional[str] = None) -> Registry:
    """A child of an MMAction2 registry, importing ``mmlight.<location>``."""
    locations = [f'mmlight.{location}'] if location else []
    return Registry(name, parent=parent, scope=SCOPE, locations=locations)


RUNNERS = _child('runner', MMACTION_RUNNERS, 'engine')
RUNNER_CONSTRUCTORS = _child('runner constructor',
                             MMACTION_RUNNER_CONSTRUCTORS, 'engine')
LOOPS = _child('loop', MMACTION_LOOPS, 'engine')
HOOKS = _child('hook', MMACTION_HOOKS, 'engine')
DATASETS = _child('dataset', MMACTION_DATASETS, 'datasets')
DATA_SAMPLERS = _child('data sampler', MMACTION_DATA_SAMPLERS, 'datasets')
TRANSFORMS = _child('transform', MMACTION_TRANSFORMS, 'datasets')
MODELS = _child('model', MMACTION_MODELS, 'models')
MODEL_WRAPPERS = _child('model wrapper', MMACTION_MODEL_WRAPPERS, 'models')
WEIGHT_INITIALIZERS = _child('weight initializer',
                             MMACTION_WEIGHT_INITIALIZERS, 'models')
OPTIMIZERS = _child('optimizer', MMACTION_OPTIMIZERS, 'engine')
OPTIM_WRAPPERS = _child('optim wrapper', MMACTION_OPTIM_WRAPPERS, 'engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    MMACTION_OPTIM_WRAPPER_CONSTRUCTORS,
                                    'engine')
PARAM_SCHEDULERS = _child('parameter scheduler', MMACTION_PARAM_SCHEDULERS,
                          'engine')
METRICS = _child('metric', MMACTION_METRICS, 'evaluation')
EVALUATOR = _child('evaluator', MMACTION_EVALUATOR, 'evaluation')
TASK_UTILS = _child('task util', MMACTION_TASK_UTILS, 'models')
VISUALIZERS = _child('visualizer', MMACTION_VISUALIZERS)
VISBACKENDS = _child('vis_backend', MMACTION_VISBACKENDS)
LOG_PROCESSORS = _child('log_processor', MMACTION_LOG_PROCESSORS, 'engine')
INFERENCERS = _child('inferencer', MMACTION_INFERENCERS)
FUNCTION = _child('function', MMACTION_FUNCTION)
