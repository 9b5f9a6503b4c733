"""Cost only, at any input shape: the seed's table at the seed's scale.

    python tools/benchmark_cost.py \
        slowfast_r50=configs/fall_slowfast_r50_teacher.py \
        mbv3=configs/fall_mbv3s_tsm.py \
        mbv3_pruned=configs/fall_mbv3_prune.py \
        --input-shape slowfast_r50=64x224x224 224x224 \
        --int8 mbv3_pruned --train-batches slowfast_r50=1,2 2,8 \
        --teacher slowfast_r50 --light mbv3_pruned_int8_pt2e \
        mbv3_pruned_int8_onnx mbv3_pruned_int8_openvino \
        --work-dir work_dirs/seed_table [--device cpu|cuda] [--out t.md]

Each model is ``NAME=CONFIG[,FILE]`` (as tools/benchmark.py; no file: the
initial weights, cost does not depend on them; a config with a
``ChannelPruningHook`` and no file is measured as the architecture it
prunes to). ``--input-shape [NAME=]TxHxW`` or ``HxW`` (the config's
frames) sets a model's test input; ``--int8 NAME`` adds that model's
INT8 rows at its shape (PT2E compiled by inductor, ONNX Runtime QDQ, NNCF +
OpenVINO, calibrated on random clips). Printed: size, params, GFLOPs, peak
inference memory, clips/s at batch 1 and the best over ``--batch-sizes``,
the PT2E first-call compile time; peak training memory of every FP32 model
at each ``--train-batches`` size under plain / gradient checkpointing /
AMP (bf16 on CPU, fp16 on GPU) / both; with ``--teacher`` and ``--light``,
the seed's headline beside ours with the ratios. See
:mod:`mmlight.reports.cost_benchmark`.
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlight.cli.benchmark_cost import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
