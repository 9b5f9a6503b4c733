"""Write student-only copies of a distillation run's checkpoints."""
import os.path as osp
from typing import List

from mmengine.hooks import Hook
from mmengine.dist import master_only

from mmlight.engine.hooks.best_checkpoint_link_hook import \
    best_checkpoints
from mmlight.registry import HOOKS
from mmlight.compression.student_checkpoint import export_student_checkpoint


@HOOKS.register_module()
class StudentCheckpointHook(Hook):
    """After training, save ``<name>_student.pth`` beside the best and the
    last checkpoint: the student's weights under plain-model names, which
    ``tools/test.py <student config> <name>_student.pth`` loads.

    The same export is ``tools/model_converters/extract_student.py``.
    """

    priority = 'LOWEST'  # after CheckpointHook has written its files

    @master_only
    def after_train(self, runner) -> None:
        sources: List[str] = best_checkpoints(runner)
        last = runner.message_hub.get_info('last_ckpt')
        sources += [last] if last else []
        for src in dict.fromkeys(p for p in sources if p and osp.isfile(p)):
            dst = export_student_checkpoint(
                src,
                osp.splitext(src)[0] + '_student.pth')
            runner.logger.info(f'student-only checkpoint: {dst}')
