"""What the command lines of :mod:`mmlight.cli` share: the
``--cfg-options`` argument, the one-line user-error report of
:func:`run_tool`, and the config merging of ``tools/train.py`` /
``tools/test.py`` (:mod:`.train`, :mod:`.test`).

Differences from MMAction2's tools: ``--seed`` overrides the seed in the
config (MMAction2 ignores it when the config sets ``randomness``), and a
missing checkpoint or resume file fails before anything is built.
"""
import argparse
import gc
import math
import os
import os.path as osp
import sys
from typing import Any, Callable

from mmengine.config import Config, DictAction

__all__ = [
    'add_cfg_options', 'add_runner_args', 'build_runner', 'merge_train_args',
    'merge_test_args', 'run_tool', 'set_max_epochs', 'shipped_dir'
]


def _user_error_types() -> tuple:
    from mmlight.datasets.errors import AnnotationError, VideoReadError
    from mmlight.utils.checkpoint_io import CheckpointError
    return (AnnotationError, VideoReadError, CheckpointError,
            FileNotFoundError, SyntaxError)


def _worker_error(exc: BaseException) -> str:
    """The original line of a user error re-raised from a dataloader worker
    (torch wraps it into a ``RuntimeError`` holding the worker's traceback),
    or ``''``."""
    text = str(exc).strip()
    if 'in DataLoader worker' not in text:
        return ''
    last = text.splitlines()[-1]
    names = [t.__name__ for t in _user_error_types()]
    head = last.split(':', 1)[0].rsplit('.', 1)[-1]
    return last.split(':', 1)[1].strip() if head in names else ''


def run_tool(main: Callable[[], None], prog: str) -> None:
    """Run a tool's ``main``; a user error ends it with one clear line.

    Bad input (an annotation line, a missing or unreadable video or
    checkpoint, a config that does not parse) exits with status 1 and
    ``<prog>: error: <what, naming the file/line/key>`` as the last line of
    stderr, without a traceback. ``MMLIGHT_TRACEBACK=1`` shows it. Every
    other exception propagates unchanged (a bug keeps its traceback).

    Args:
        main: The tool's main function.
        prog: The tool's name, for the message.
    """
    try:
        main()
        return
    except Exception as exc:  # noqa: B902 - filtered right below
        # a worker's error first: torch re-creates some types (e.g.
        # FileNotFoundError) with the whole worker traceback as message
        message = _worker_error(exc) or (
            str(exc) if isinstance(exc, _user_error_types()) else '')
        if not message or os.environ.get('MMLIGHT_TRACEBACK'):
            raise
        if isinstance(exc, SyntaxError):  # str() appends "(file, line n)"
            message = f'{exc.msg}: {(exc.text or "").strip()}'
    # Out of the except block the traceback is gone; collecting it stops the
    # dataloader workers it kept alive, so that their output comes before
    # the message, not after it.
    gc.collect()
    sys.stdout.flush()
    sys.stderr.flush()
    print(f'{prog}: error: {message}', file=sys.stderr)
    sys.exit(1)


def add_cfg_options(parser: argparse.ArgumentParser,
                    help: str = 'override config settings, key=value',
                    as_dict: bool = True) -> None:
    """Add the ``--cfg-options key=value ...`` argument every tool takes.

    Args:
        parser: The tool's parser.
        help: Its help text. Defaults to a generic one.
        as_dict: Parse the pairs into a dict (MMEngine's ``DictAction``,
            what :func:`mmlight.utils.load_config` merges); False keeps the
            ``key=value`` strings (default ``[]``), for tools that pass them
            on to child processes or put their own before them. Defaults to
            True.
    """
    if as_dict:
        parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                            help=help)
    else:
        parser.add_argument('--cfg-options', nargs='+', default=[],
                            help=help)


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--work-dir``, ``--cfg-options``, ``--launcher`` and
    ``--local-rank``: the arguments ``tools/train.py`` and ``tools/test.py``
    share (merged by :func:`merge_train_args` / :func:`merge_test_args`)."""
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    add_cfg_options(
        parser, 'override config settings, key=value (e.g. '
        'train_cfg.max_epochs=2 train_dataloader.batch_size=4)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher (MMEngine / torch.distributed)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def build_runner(cfg: Config) -> Any:
    """The Runner a merged config asks for: its ``runner_type`` built from
    mmlight's ``RUNNERS``, else MMEngine's ``Runner.from_cfg``."""
    from mmengine.runner import Runner

    from mmlight.registry import RUNNERS
    return RUNNERS.build(cfg) if 'runner_type' in cfg else \
        Runner.from_cfg(cfg)


def shipped_dir(name: str) -> str:
    """A folder mmlight ships beside its code (``'tools'``, ``'configs'``):
    the checkout's when mmlight is imported from a checkout, else the
    installed package's ``.mim`` copy (the one ``mim train mmlight`` runs).

    Args:
        name: The folder's name.

    Returns:
        str: Its absolute path.
    """
    package = osp.dirname(osp.dirname(osp.abspath(__file__)))
    checkout = osp.dirname(package)
    if osp.isfile(osp.join(checkout, 'tools', 'train.py')) and osp.isdir(
            osp.join(checkout, 'configs')):
        return osp.join(checkout, name)
    return osp.join(package, '.mim', name)


def _set_env(args: argparse.Namespace) -> None:
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)


def _set_work_dir(cfg: Config, args: argparse.Namespace) -> None:
    # Priority: command line > config > ./work_dirs/<config name>.
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])


def _set_launcher(cfg: Config, launcher: str) -> None:
    """``cfg.launcher``. A distributed run without CUDA uses gloo (the
    configs ask for nccl, which needs GPUs) and a DDP wrapper without
    device ids (MMEngine's default passes ``LOCAL_RANK`` as a GPU id).
    ``sync_bn`` there fails here, before any work: PyTorch's SyncBatchNorm
    runs on GPUs only."""
    cfg.launcher = launcher
    import torch
    if launcher == 'none' or torch.cuda.is_available():
        return
    if cfg.get('sync_bn') is not None:
        raise ValueError(
            f'sync_bn={cfg.sync_bn!r}: SyncBatchNorm needs CUDA, and this '
            f'{launcher} run has no GPU; drop `sync_bn` for CPU processes '
            '(each rank then normalises its own batch; PreciseBNHook '
            'averages the statistics over ranks after each epoch)')
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    if dist_cfg.get('backend', 'nccl') == 'nccl':
        dist_cfg['backend'] = 'gloo'
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))


def set_max_epochs(cfg: Config, epochs: int) -> Config:
    """Set ``train_cfg.max_epochs`` and keep the LR schedule consistent.

    Overriding ``train_cfg.max_epochs`` alone leaves a cosine schedule with
    ``T_max``/``end`` at the old length (the LR would sit at its minimum, or
    be cut off). Epoch-based schedulers whose ``end`` (or ``T_max``) equals
    the old ``max_epochs`` are moved to the new one; warm-ups that end
    earlier are kept. A ``train_cfg.val_begin`` above 1 keeps its place in
    the run: scaled with it, rounded up, never past the last epoch (a
    config that validates its last half still does).

    Args:
        cfg (Config): Config with an epoch-based ``train_cfg``; modified in
            place.
        epochs (int): The new number of epochs, >= 1.

    Returns:
        Config: ``cfg``.
    """
    if epochs < 1:
        raise ValueError(f'--epochs must be >= 1, got {epochs}')
    old = cfg.train_cfg.get('max_epochs')
    if old is None:
        raise ValueError('--epochs needs an epoch-based train_cfg with '
                         'max_epochs')
    cfg.train_cfg.max_epochs = epochs
    val_begin = cfg.train_cfg.get('val_begin', 1)
    if isinstance(val_begin, int) and val_begin > 1:
        cfg.train_cfg.val_begin = min(epochs,
                                      math.ceil(val_begin * epochs / old))
    _rescale_schedules(cfg, old, epochs)
    return cfg


def _rescale_schedules(cfg: Config, old: int, epochs: int) -> None:
    """Move epoch-based schedulers that end at ``old`` to ``epochs``."""
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):  # one scheduler, or one list per optim
        schedulers = [schedulers] if 'type' in schedulers else [
            s for group in schedulers.values()
            for s in (group if isinstance(group, (list, tuple)) else [group])]
    for sched in schedulers:
        if not sched.get('by_epoch', True):
            continue
        for key in ('end', 'T_max'):
            if sched.get(key) == old:
                sched[key] = epochs


def merge_train_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Merge ``tools/train.py`` arguments into ``cfg``.

    Args:
        cfg (Config): The loaded config; modified in place.
        args (argparse.Namespace): Parsed arguments of
            :func:`mmlight.cli.train.build_parser`.

    Returns:
        Config: ``cfg``.

    Raises:
        FileNotFoundError: ``--resume PATH`` names a file that does not exist.
    """
    _set_env(args)
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    _set_work_dir(cfg, args)
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'--amp needs optim_wrapper.type OptimWrapper or '
                             f'AmpOptimWrapper, got {wrapper!r}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(
                f'--resume: checkpoint not found: {args.resume}')
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if args.epochs is not None:
        set_max_epochs(cfg, args.epochs)
    randomness = cfg.get('randomness', None) or {}
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.diff_rank_seed:
        randomness['diff_rank_seed'] = True
    if args.deterministic:
        randomness['deterministic'] = True
    cfg.randomness = randomness
    if args.cfg_options is not None:
        epochs = cfg.get('train_cfg', {}).get('max_epochs')
        new = args.cfg_options.get('train_cfg.max_epochs')
        if isinstance(epochs, int) and isinstance(new, int) and \
                new != epochs:
            # train_cfg.max_epochs=N means what --epochs N means; before the
            # merge, so that param_scheduler keys given beside it win
            set_max_epochs(cfg, new)
        cfg.merge_from_dict(args.cfg_options)
    if cfg.randomness.get('deterministic'):
        _non_persistent_workers(cfg)
    _set_launcher(cfg, args.launcher)  # after the overrides: it checks them
    return cfg


def _non_persistent_workers(cfg: Config) -> None:
    """Deterministic runs start the train dataloader's workers each epoch.

    MMEngine seeds workers from ``(seed, rank, worker id)`` when they start;
    persistent workers carry their generators across epochs, where no
    checkpoint can reach them, so a resumed run would draw other
    augmentations (see :class:`mmlight.engine.hooks.RandomStateHook`).
    """
    loader = cfg.get('train_dataloader') or {}
    if loader.get('num_workers', 0) and loader.get('persistent_workers'):
        loader['persistent_workers'] = False


def merge_test_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Merge ``tools/test.py`` arguments into ``cfg``.

    A ``.pt2`` checkpoint (an exported INT8 program, as ``PTQLoop`` and
    ``QATEpochBasedLoop`` save it) is tested as an
    :class:`~mmlight.models.ExportedRecognizer` with the config's (for a
    distillation config, the student's) data preprocessor, through a plain
    ``TestLoop``.

    Args:
        cfg (Config): The loaded config; modified in place.
        args (argparse.Namespace): Parsed arguments of
            :func:`mmlight.cli.test.build_parser`.

    Returns:
        Config: ``cfg``.

    Raises:
        FileNotFoundError: the checkpoint does not exist.
    """
    _set_env(args)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    _set_work_dir(cfg, args)
    if args.checkpoint.endswith('.pt2'):
        # an exported (INT8) program: it replaces the model and the loop
        # that would make it; nothing is loaded into it
        model = cfg.model.get('student') or cfg.model
        cfg.model = dict(type='ExportedRecognizer', program=args.checkpoint,
                         data_preprocessor=model.get('data_preprocessor'))
        cfg.test_cfg = dict(type='TestLoop')
        cfg.load_from = None
    else:
        cfg.load_from = args.checkpoint
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump must be a .pkl file, got {args.dump}')
        dump = dict(type='DumpResults', out_file_path=args.dump)
        if isinstance(cfg.test_evaluator, (list, tuple)):
            cfg.test_evaluator = [*cfg.test_evaluator, dump]
        else:
            cfg.test_evaluator = [cfg.test_evaluator, dump]
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    _set_launcher(cfg, args.launcher)
    return cfg
