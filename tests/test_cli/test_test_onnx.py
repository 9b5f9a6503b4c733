"""tools/deployment/test_onnx.py's printing (the end-to-end runs are in
tests/test_deployment/test_deployment_tools.py)."""
import numpy as np

from mmlight.cli.test_onnx import format_metrics


def test_metrics_formatting():
    metrics = format_metrics({'acc/top1': 0.5, 'confusion_matrix/result':
                              np.eye(2, dtype=int)})
    assert metrics.splitlines() == ['acc/top1: 0.5000',
                                    'confusion_matrix/result: [[1, 0], '
                                    '[0, 1]]']
