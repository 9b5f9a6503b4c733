"""Rows of the headline table as `mmlight.reports.edge_benchmark` measures
them, shared by its tests and by the command line's
(tests/test_reports/test_edge_benchmark.py, tests/test_cli/test_benchmark_tool.py)."""

TEACHER = dict(name='teacher', trained=True, size_mb=100.0, params=25e6,
               flops=2e9, peak_infer_mb=600.0, peak_train_mb=3000.0,
               train_batch=8, clips_per_s={1: 10.0, 8: 20.0},
               max_clips_per_s=20.0, max_batch=8, latency_ms=100.0,
               fall_accuracy=0.98, fall_recall=0.97, hard_negative_acc=0.96,
               top1=0.93, threads=2, device='cpu', error=None,
               kind='torch', config='t.py', file='t.pth')
# the PyTorch model the INT8 file was quantized from
FP32 = dict(TEACHER, name='fp32', size_mb=2.0, peak_train_mb=500.0,
            config='s.py', file='s.pth')
LIGHT = dict(TEACHER, name='int8', size_mb=0.5, params=None, flops=None,
             peak_infer_mb=40.0, peak_train_mb=None,
             clips_per_s={1: 200.0, 8: 400.0}, max_clips_per_s=400.0,
             latency_ms=5.0, fall_accuracy=0.97, top1=0.90, kind='onnx',
             config='s.py', file='s.onnx')
