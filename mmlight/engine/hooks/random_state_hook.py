"""Random generator states in checkpoints, so that a resumed run repeats
the uninterrupted one."""
from functools import partial
from typing import Any, Dict, List, Optional

import torch
from mmengine.dataset import worker_init_fn as default_worker_init_fn
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmlight.registry import HOOKS
from mmlight.utils.random_state import get_random_state, set_random_state

KEY = 'random_state'


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save the random generator states in each checkpoint; restore them on
    resume.

    MMEngine's checkpoints restore weights, optimizer, schedulers and
    counters, but a resumed run re-seeds its generators, so from the first
    resumed iteration its augmentation, dropout and sampling draw other
    numbers than the uninterrupted run did. With this hook:

    * after each training epoch (after :class:`PreciseBNHook` has drawn its
      clips, before ``CheckpointHook`` saves) the states of Python's, NumPy's
      and torch's generators (CPU and CUDA) of every rank are captured and
      written into the checkpoint under ``'random_state'``;
    * on ``resume``, each rank restores its own states just before training
      goes on;
    * validation runs between a save and the next epoch, so it is made
      neutral: the states are restored after it, and a run with validation
      draws the same training numbers as one without.

    Dataloader workers draw from their own generators: MMEngine seeds them
    from ``(seed, rank, worker id)`` each time they start, the same seeds
    every epoch. Workers started each epoch (``persistent_workers=False``,
    which ``tools/train.py --deterministic`` sets) are seeded from
    ``(seed, epoch, rank, worker id)`` by this hook instead: every epoch
    draws other augmentations, and a resumed epoch the same ones as the
    uninterrupted run. Persistent workers keep their states across epochs,
    out of reach of the main process: resuming such a run warns that it is
    not exact. Samplers are deterministic from seed and epoch; checkpoints
    are written at epoch ends, so a resumed epoch starts from its
    beginning. A checkpoint written inside an epoch (iteration-based
    training) is resumed without restoring, with a warning: MMEngine
    re-reads the data of the iterations done, which draws other numbers.

    With ``randomness.deterministic=True`` (and the same thread count) a
    killed and resumed CPU run then ends with bitwise the same weights as
    the uninterrupted one.

    Examples:
        >>> default_hooks = dict(random_state=dict(type='RandomStateHook'))
    """

    # After PreciseBNHook (ABOVE_NORMAL), before CheckpointHook (VERY_LOW).
    priority = 'LOW'

    def __init__(self) -> None:
        self._epoch_states: Optional[List[Dict[str, Any]]] = None
        self._before_val: Optional[Dict[str, Any]] = None
        self._loaded: Optional[dict] = None
        self._worker_seed: Optional[int] = None  # MMEngine's, epoch 0

    def before_train_epoch(self, runner) -> None:
        self._epoch_states = None
        self._seed_workers(runner)

    def _seed_workers(self, runner) -> None:
        """Workers started this epoch: seeds from (seed, epoch, rank,
        worker), not MMEngine's (seed, rank, worker) of every epoch."""
        loader = runner.train_dataloader
        init = getattr(loader, 'worker_init_fn', None)
        if not getattr(loader, 'num_workers', 0) or \
                getattr(loader, 'persistent_workers', False) or \
                not isinstance(init, partial) or \
                init.func is not default_worker_init_fn:
            return
        if self._worker_seed is None:
            self._worker_seed = init.keywords['seed']
        # one seed per (epoch, rank, worker): MMEngine adds
        # num_workers * rank + worker_id
        seed = self._worker_seed + runner.epoch * loader.num_workers * \
            get_world_size()
        loader.worker_init_fn = partial(init.func,
                                        **dict(init.keywords, seed=seed))

    def after_train_epoch(self, runner) -> None:
        """Capture every rank's states (a collective call on all ranks)."""
        state = get_random_state()
        self._epoch_states = (all_gather_object(state)
                              if get_world_size() > 1 else [state])

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Write the states into the checkpoint (on the saving rank)."""
        states, epoch_end = self._epoch_states, True
        if states is None:  # a save inside an epoch (iteration-based)
            states, epoch_end = [get_random_state()], False
        checkpoint[KEY] = dict(world_size=len(states), states=states,
                               epoch_end=epoch_end)

    def before_val(self, runner) -> None:
        self._before_val = get_random_state()

    def after_val(self, runner) -> None:
        if self._before_val is not None:
            set_random_state(self._before_val)
            self._before_val = None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Keep the states; whether this is a resume is known later."""
        self._loaded = dict(state=checkpoint.get(KEY),
                            iter=checkpoint.get('meta', {}).get('iter'))

    def before_train(self, runner) -> None:
        """After a resume, restore this rank's states (last, just before the
        first resumed epoch)."""
        loaded, self._loaded = self._loaded, None
        if loaded is None or not runner.iter or runner.iter != loaded['iter']:
            return  # not resumed (a fresh run, or load_from: fine-tuning)
        saved = loaded['state']
        world_size = get_world_size()
        if saved is None:
            print_log(
                'the resumed checkpoint holds no random states (written '
                'before RandomStateHook): from here on this run draws other '
                'random numbers than the interrupted one would have',
                logger='current', level=30)
            return
        if not saved.get('epoch_end', True):
            print_log(
                'the resumed checkpoint was written inside an epoch: its '
                'random states are not restored (resuming there re-reads '
                'the data of the iterations done), so this run draws other '
                'random numbers than the interrupted one would have',
                logger='current', level=30)
            return
        if saved['world_size'] != world_size:
            print_log(
                f'the resumed checkpoint holds the random states of '
                f'{saved["world_size"]} processes, this run has {world_size}: '
                'the generators are not restored', logger='current', level=30)
            return
        state = saved['states'][get_rank()]
        if not set_random_state(state) and state.get('cuda'):
            print_log(
                f'the resumed checkpoint holds the CUDA generator states of '
                f'{len(state["cuda"])} GPUs, this process sees '
                f'{torch.cuda.device_count()}: only the CPU generators are '
                'restored', logger='current', level=30)
        loader = runner.train_dataloader
        if getattr(loader, 'num_workers', 0) and \
                getattr(loader, 'persistent_workers', False):
            print_log(
                'random states restored, but the train dataloader keeps '
                'persistent workers, whose generators a checkpoint cannot '
                'hold: this resumed run will not repeat the interrupted one '
                'exactly (set train_dataloader.persistent_workers=False, as '
                'tools/train.py --deterministic does)',
                logger='current', level=30)
        else:
            print_log('random states restored from the checkpoint',
                      logger='current')
