"""tools/deployment/export_onnx.py's printing (the end-to-end runs are in
tests/test_deployment/test_deployment_tools.py)."""
from mmlight.cli.export_onnx import format_verify_report


def test_report_formatting():
    row = dict(name='pytorch', size_mb=None, top1=0.85, top1_agreement=1.0,
               max_abs_logit_diff=0.0, latency_ms={})
    report = dict(num_threads=1, input_shape=(1, 8, 3, 48, 64), rows=[
        row,
        dict(row, name='onnx_fp32', size_mb=3.6, max_abs_logit_diff=5e-6,
             latency_ms={1: 1.5}),
        dict(row, name='onnx_int8', size_mb=1.0, top1_agreement=0.9476,
             max_abs_logit_diff=float('nan'), latency_ms={1: 1.2}),
    ])
    text = format_verify_report(report)
    lines = text.splitlines()
    assert all(line.count('|') == 7 for line in lines[:5])  # 6 columns
    assert '| onnx_int8 | 1.000 | 85.00 | 94.76 | n/a | 1.20 |' in text
    assert '| pytorch | n/a | 85.00 | 100.00 | 0.00e+00 | n/a |' in text
    assert 'INT8 file is 3.60x smaller than FP32.' in text
