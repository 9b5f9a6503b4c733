"""Print the FLOPs and parameters of a config's model on one test clip.

    python tools/analysis/get_flops.py configs/fall_mbv3_baseline.py [--table]
    python tools/analysis/get_flops.py configs/fall_mbv3_prune.py \
        work_dirs/demo/pruned/best.pth

With a checkpoint the model is built and loaded as ``tools/test.py`` does
(:func:`mmlight.deployment.build_recognizer`): a pruned checkpoint's shapes
(written by ``ChannelPruningHook``) replace the config's, so the pruned
model is counted, not the unpruned one the config builds.

The input shape is read from the config's test pipeline
(:func:`mmlight.measure.complexity.infer_input_shape`) unless ``--shape``
gives it, batch included (e.g. ``--shape 1 8 3 48 64``). The recognizer runs
backbone and head (``mode='tensor'``, ``stage='head'``); one
multiply-accumulate counts as one FLOP.
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.get_flops import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
