"""A stable ``best.pth`` beside MMEngine's ``best_<metric>_epoch_<n>.pth``."""
import os
import os.path as osp
from typing import List
from mmengine.dist import master_only
from mmengine.hooks import CheckpointHook, Hook

from mmlight.registry import HOOKS


def best_checkpoints(runner) -> List[str]:
    """The best checkpoints ``CheckpointHook(save_best=...)`` has written
    (one a metric; the first metric's first), those still on disk."""
    found: List[str] = []
    for hook in runner.hooks:
        if isinstance(hook, CheckpointHook):
            best = getattr(hook, 'best_ckpt_path', None)
            found += [best] if best else []
            found += [p for p in getattr(hook, 'best_ckpt_path_dict',
                                         {}).values() if p]
    return [p for p in dict.fromkeys(found) if osp.isfile(p)]


@HOOKS.register_module()
class BestCheckpointLinkHook(Hook):
    """Keep ``<work_dir>/best.pth`` pointing at the best checkpoint.

    ``CheckpointHook(save_best=...)`` names its file after the metric and
    the epoch (``best_acc_top1_epoch_12.pth``), so no command can name it in
    advance; configs and READMEs that need the best weights (a teacher for
    distillation, a checkpoint to test) name ``best.pth``. When training
    ends, this hook replaces ``best.pth`` (atomically) with a relative
    symbolic link to the best checkpoint; where links are not possible it
    writes nothing and says so. A ``best.pth`` link left by an earlier run
    is removed when training starts: ``best.pth`` exists only for a run
    that finished (as ``make`` targets expect), and a killed run gets it
    when its resumed run ends.

    Args:
        filename: The link's name in the work directory. Defaults to
            ``'best.pth'``.

    Examples:
        >>> default_hooks = dict(best_link=dict(type='BestCheckpointLinkHook'))
    """

    priority = 'LOWEST'  # after CheckpointHook (VERY_LOW) saved the best

    def __init__(self, filename: str = 'best.pth') -> None:
        if not filename or osp.basename(filename) != filename:
            raise ValueError(f'filename must be a file name, got {filename!r}')
        self.filename = filename

    @master_only
    def before_train(self, runner) -> None:
        """Remove an earlier run's link: this run has not finished."""
        link = osp.join(runner.work_dir, self.filename)
        if osp.islink(link):
            os.remove(link)

    @master_only
    def after_train(self, runner) -> None:
        best = next(iter(best_checkpoints(runner)), None)
        if best is None:
            return
        link = osp.join(osp.dirname(best), self.filename)
        tmp = f'{link}.tmp{os.getpid()}'
        try:
            if osp.lexists(tmp):
                os.remove(tmp)
            os.symlink(osp.basename(best), tmp)
            os.replace(tmp, link)
        except OSError as exc:
            runner.logger.warning(f'cannot link {link} -> {best}: {exc}')
            return
        runner.logger.info(f'{link} -> {osp.basename(best)}')
