"""On resume, follow this run's parameter schedule, not the checkpoint's."""
from typing import Any, List, Tuple

from mmengine.logging import print_log
from mmengine.hooks import Hook

from mmlight.registry import HOOKS
from mmlight.utils.schedule import replay_schedulers, schedule_changes


def _flat(schedulers: Any, saved: Any) -> List[Tuple[Any, Any]]:
    """(built scheduler, saved state or None) pairs, for a list or a dict of
    lists; a scheduler the checkpoint lacks (or a state without its
    scheduler) pairs with None."""
    if isinstance(schedulers, dict):
        saved = saved if isinstance(saved, dict) else {}
        return [pair for name in schedulers
                for pair in _flat(schedulers[name], saved.get(name, []))]
    saved = list(saved) if isinstance(saved, (list, tuple)) else []
    n = max(len(schedulers), len(saved))
    return [(schedulers[i] if i < len(schedulers) else None,
             saved[i] if i < len(saved) else None) for i in range(n)]


def _checkpoint_groups(checkpoint: dict, runner) -> List[Tuple[dict, dict]]:
    """(live optimizer param group, checkpoint param group) pairs."""
    from mmengine.optim import OptimWrapperDict
    wrapper, saved = runner.optim_wrapper, checkpoint['optimizer']
    if isinstance(wrapper, OptimWrapperDict):
        return [pair for name, w in wrapper.items()
                for pair in zip(w.optimizer.param_groups,
                                saved[name]['param_groups'])]
    return list(zip(wrapper.optimizer.param_groups, saved['param_groups']))


@HOOKS.register_module()
class ResumeScheduleHook(Hook):
    """Make ``--resume`` with a changed schedule follow the new schedule.

    MMEngine's ``resume`` loads each scheduler's whole state, its ``end``
    and ``T_max`` included, so a run resumed with more epochs (``--resume
    --epochs 5`` after 2) keeps the old schedule: the LR stays at the 2-epoch
    cosine's minimum for epochs 3-5. When a scheduler of this run differs
    from the checkpoint's in a config attribute (``begin``, ``end``,
    ``T_max``, ``eta_min``, base values...), this hook replays this run's
    schedulers over the epochs already done
    (:func:`mmlight.utils.schedule.replay_schedulers`) and puts the result
    into the checkpoint before MMEngine loads it: the resumed run then goes
    on exactly as if it had been started with this schedule, and says so.
    An unchanged schedule is resumed as MMEngine does.

    Examples:
        >>> default_hooks = dict(
        ...     resume_schedule=dict(type='ResumeScheduleHook'))
    """

    priority = 'NORMAL'

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Rewrite the checkpoint's schedule states if the schedule changed
        (only when resuming: ``load_from`` does not load schedules)."""
        if not runner._resume or 'param_schedulers' not in checkpoint or \
                runner.param_schedulers is None or \
                not hasattr(runner, '_train_loop') or \
                isinstance(runner._train_loop, dict):
            return  # not a training resume, or nothing to replay
        pairs = _flat(runner.param_schedulers, checkpoint['param_schedulers'])
        changed = []
        for i, (s, saved) in enumerate(pairs):
            if s is None:  # removed from the config
                changed.append((i, '(removed)', dict(scheduler=(
                    'present', 'absent'))))
            elif saved is None:  # added to the config
                changed.append((i, type(s).__name__, dict(scheduler=(
                    'absent', 'present'))))
            else:
                diff = schedule_changes(s, saved)
                if diff:
                    changed.append((i, type(s).__name__, diff))
        if not changed:
            return
        meta = checkpoint['meta']
        epochs, iters = meta['epoch'], meta['iter']
        from mmengine.runner import IterBasedTrainLoop
        by_epoch = not isinstance(runner.train_loop, IterBasedTrainLoop)
        per_epoch = len(runner.train_dataloader) if by_epoch else iters
        if by_epoch and iters != epochs * per_epoch:
            raise ValueError(
                f'resume: the param_scheduler differs from the '
                f'checkpoint\'s ({self._describe(changed)}), and the '
                f'checkpoint (iteration {iters}, epoch {epochs}) is not at '
                f'the end of an epoch of {per_epoch} iterations: resume '
                'without changing the schedule, or with the same data')
        live = [s for s, _ in pairs if s is not None]
        if by_epoch:
            replay_schedulers(live, epochs, per_epoch)
        else:  # one "epoch" of every iteration done; no epoch ever ends
            replay_schedulers([s for s in live if not s.by_epoch], 1, iters)
        saved = checkpoint['param_schedulers']
        if isinstance(saved, dict):
            for name, schedulers in runner.param_schedulers.items():
                saved[name] = [s.state_dict() for s in schedulers]
        else:
            checkpoint['param_schedulers'] = [s.state_dict() for s in live]
        keys = {s.param_name for s in live}
        keys |= {f'initial_{k}' for k in keys}
        if 'momentum' in keys:
            keys.add('betas')  # Adam-type optimizers schedule betas[0]
        groups = _checkpoint_groups(checkpoint, runner)
        for group, ckpt_group in groups:
            for key in keys & set(group):
                ckpt_group[key] = group[key]
        values = ', '.join(
            f'{k} {groups[0][0][k]:.4g}' for k in sorted(keys)
            if not k.startswith('initial_') and groups and
            isinstance(groups[0][0].get(k), float))
        print_log(
            f'resume: this run\'s param_scheduler differs from the '
            f'checkpoint\'s ({self._describe(changed)}); it is replayed over '
            f'the {epochs} epochs done and training goes on with it '
            f'({values})', logger='current', level=30)

    @staticmethod
    def _describe(changed: list) -> str:
        return '; '.join(
            f'[{i}] {name} ' + ', '.join(f'{k} {a} -> {b}'
                                         for k, (a, b) in diff.items())
            for i, name, diff in changed)
