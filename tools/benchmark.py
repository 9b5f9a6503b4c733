"""The headline table: the teacher and every light model side by side.

    W=work_dirs/pipeline_cpu
    python tools/benchmark.py \
        teacher=configs/fall_resnet18_tsm_teacher.py,$W/teacher/best.pth \
        distilled=configs/fall_mbv3s_tsm.py,$W/distill/student.pth \
        pruned=configs/fall_mbv3_prune.py,$W/pruned/best.pth \
        int8=configs/fall_mbv3_prune.py,$W/int8/int8_model.pt2 \
        int8_onnx=configs/fall_mbv3_prune.py,$W/onnx/pruned_int8.onnx \
        int8_openvino=configs/fall_mbv3_prune.py,$W/openvino/pruned_int8.xml \
        x3d_s=configs/fall_x3d_s.py \
        --data-root data/synthfall_cpu --work-dir $W/benchmark \
        [--reference teacher] [--train-batch 8] [--threads 2] \
        [--device cpu|cuda] [--out table.md] [--png plot.png] [--json r.json]

Relative ``--out``, ``--png`` and ``--json`` paths are under ``--work-dir``
(unless they already start with it); absolute ones stay.

Each model is ``NAME=CONFIG[,FILE]``: a ``.pth`` checkpoint, an INT8
``.pt2`` program (run compiled by inductor unless ``--int8-runtime
reference``), an ``.onnx`` file (FP32 or INT8 QDQ, ONNX Runtime) or an
OpenVINO ``.xml`` (FP32 or NNCF INT8, OpenVINO's CPU plugin); no file
measures the untrained architecture's cost only. Printed: size on disk, params,
GFLOPs, peak inference and training memory (fresh process each), CPU
clips/s at batch 1 and the best over batch sizes (every model timed in each
of ``--rounds`` interleaved rounds, median kept), test fall / no-fall
accuracy, fall recall, lie-down vs fall and top-1, then the reference (first model unless
``--reference``) divided by each light model. A PNG plots accuracy against
latency, marker area by size. See :mod:`mmlight.reports.edge_benchmark`.
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmlight.cli.benchmark import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
