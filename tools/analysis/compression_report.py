"""The compression report: FP32 student -> pruned -> INT8 (PyTorch) ->
INT8 (ONNX Runtime), measured side by side in one run.

    python tools/analysis/compression_report.py \
        configs/fall_mbv3s_tsm.py work_dirs/demo/student_tsm/best.pth \
        --pruned configs/fall_mbv3_prune.py work_dirs/demo/pruned/best.pth \
        --work-dir work_dirs/demo/compression --data-root data/synthfall \
        [--unstructured configs/fall_mbv3_prune_unstructured.py CKPT] \
        [--calib-batches 16] [--threads 2] [--out table.md] [--json r.json]

Writes the deployable files into ``--work-dir`` (weights-only ``.pth``,
the PT2E INT8 ``.pt2``, FP32 and static-QDQ INT8 ``.onnx``; INT8 is made
from the pruned model, calibrated on the val split), then measures file
size, params, GFLOPs, CPU clips/s at each batch size, peak memory, and
accuracy, fall recall and hard-negative accuracy on the test split, and
prints a markdown table (see :mod:`mmlight.reports.compression`).
"""
import os.path as osp
import sys

try:
    import mmlight  # noqa: F401
except ImportError:  # a checkout that is not installed
    sys.path.insert(
        0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmlight.cli.compression_report import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
