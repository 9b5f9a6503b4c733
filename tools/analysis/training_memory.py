"""Training memory, measured: plain vs gradient checkpointing vs AMP vs
both, and the memory-aware sampler under a budget, per model.

    python tools/analysis/training_memory.py \
        teacher=configs/fall_shufflenetv2_tsm.py \
        student=configs/fall_mbv3s_tsm.py \
        --data-root data/synthfall --batch-size 8 [--max-memory 512MB] \
        [--variants plain checkpointing AMP "AMP + checkpointing"] \
        [--device cpu|cuda] [--threads 2] [--out table.md] \
        [--every-batch [--max-batch 32]]

Each model is ``NAME=CONFIG[,CHECKPOINT]`` (a checkpoint matters only for
a pruned model's shapes). Every row is one training step at the same batch
in a fresh process: peak memory and seconds per step. With
``--max-memory`` and ``--every-batch``, every batch the sampler packs from
the train split (at most ``--max-batch`` clips) is also trained on its own
clips, each in a fresh process, and its measured peak printed beside the
sampler's estimate and the budget. See
:mod:`mmlight.reports.training_memory`.
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.training_memory import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
