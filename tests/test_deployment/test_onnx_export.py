"""FP32 ONNX export: the graph computes what PyTorch's mode='tensor' does."""
import os

import numpy as np
import onnx
import pytest
import torch

from mmlight.deployment import OrtRecognizer, export_onnx, torch_backend
from mmlight.models.layers import TemporalShift


def _inputs(shape, batch, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, ) + tuple(shape[1:])).astype(
        np.float32)


@pytest.mark.parametrize('batch', [1, 3])
def test_tsm_student_matches_pytorch_at_any_batch(student, student_onnx,
                                                  student_shape, batch):
    # The temporal shift reshapes (N*T, C, H, W) -> (N, T, ...) and slices
    # along T: with a dynamic batch it must still shift within each clip.
    x = _inputs(student_shape, batch)
    out = OrtRecognizer(student_onnx, num_threads=1)(x)
    ref = torch_backend(student)(x)
    assert out.shape == ref.shape == (batch, 3)
    assert np.abs(out - ref).max() < 1e-4


class _ShiftNet(torch.nn.Module):
    """Clips (N, T, C, H, W) -> their temporally shifted frames, flat."""

    def __init__(self, num_segments: int) -> None:
        super().__init__()
        self.shift = TemporalShift(num_segments, shift_div=4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, t = x.shape[:2]
        y = self.shift(x.reshape((n * t, ) + x.shape[2:]))
        return y.reshape(n, -1)


def test_temporal_shift_exports_exactly_with_dynamic_batch(tmp_path):
    # A random TSM network barely reacts to its input, so the shift itself
    # is checked: (N*T, C, H, W) -> (N, T, ...) view, slices, pad and cat
    # must move channels within each clip at a batch it was not traced at.
    net = _ShiftNet(4).eval()
    path = export_onnx(net, (2, 4, 8, 3, 3), str(tmp_path / 'shift.onnx'))
    x = _inputs((1, 4, 8, 3, 3), 3)
    out = OrtRecognizer(path, num_threads=1)(x)
    ref = net(torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(out, ref)
    frames = out.reshape(3, 4, 8, 3, 3)
    # channels [0, 2) of frame t come from frame t + 1 of the same clip
    np.testing.assert_array_equal(frames[:, :3, :2], x[:, 1:, :2])
    assert not frames[:, 3, :2].any()  # zeros after the last frame


@pytest.mark.parametrize('batch,views', [(1, 1), (3, 2), (2, 3)])
def test_conv3d_teacher_matches_pytorch_per_view(teacher, teacher_onnx,
                                                 teacher_shape, batch, views):
    # exported with dynamic batch and views (traced at 2 x 2)
    shape = (1, views) + teacher_shape[2:]
    x = _inputs(shape, batch)
    out = OrtRecognizer(teacher_onnx, num_threads=1)(x)
    ref = torch_backend(teacher)(x)
    assert out.shape == ref.shape == (batch * views, 3)  # logits per view
    assert np.abs(out - ref).max() < 1e-4


def test_exported_file_is_self_contained_checked_and_stripped(student_onnx):
    model = onnx.load(student_onnx)
    onnx.checker.check_model(model, full_check=True)
    # weights inside, no external data file next to it
    assert not os.path.exists(student_onnx + '.data')
    assert all(not t.HasField('data_location') or t.data_location == 0
               for t in model.graph.initializer)
    assert not any(node.metadata_props for node in model.graph.node)
    assert max(op.version for op in model.opset_import
               if op.domain in ('', 'ai.onnx')) == 18
    (inp, ), (out, ) = model.graph.input, model.graph.output
    assert (inp.name, out.name) == ('inputs', 'scores')
    assert inp.type.tensor_type.shape.dim[0].dim_param  # dynamic batch
    assert [d.dim_value for d in inp.type.tensor_type.shape.dim[1:]] == [
        4, 3, 32, 32]


def test_static_batch_and_torchscript_exporter(teacher, teacher_shape,
                                               tmp_path):
    net = _ShiftNet(4).eval()
    path = export_onnx(net, (1, 4, 8, 3, 3), str(tmp_path / 'static.onnx'),
                       dynamic_batch=False)
    dim0 = onnx.load(path).graph.input[0].type.tensor_type.shape.dim[0]
    assert dim0.dim_value == 1
    ort_model = OrtRecognizer(path, num_threads=1)
    x = _inputs((1, 4, 8, 3, 3), 1)
    np.testing.assert_array_equal(ort_model(x),
                                  net(torch.from_numpy(x)).numpy())
    with pytest.raises(ValueError, match='the model takes'):
        ort_model(_inputs((1, 4, 8, 3, 3), 2))

    legacy = export_onnx(teacher, teacher_shape, str(tmp_path / 'ts.onnx'),
                         opset=17, exporter='torchscript')
    x = _inputs(teacher_shape, 2)
    out = OrtRecognizer(legacy, num_threads=1)(x)
    assert np.abs(out - torch_backend(teacher)(x)).max() < 1e-4


def test_export_restores_train_mode_and_rejects_bad_arguments(
        student, teacher, teacher_shape, tmp_path):
    path = str(tmp_path / 'm.onnx')
    with pytest.raises(ValueError, match=r'num_segs, C, H, W'):
        export_onnx(student, (1, 3, 32, 32), path)
    with pytest.raises(ValueError, match=r'num_views, C, T, H, W'):
        export_onnx(teacher, (1, 3, 8, 32, 32), path)
    with pytest.raises(ValueError, match='opset >= 18'):
        export_onnx(teacher, teacher_shape, path, opset=17)
    with pytest.raises(ValueError, match='exporter'):
        export_onnx(teacher, teacher_shape, path, exporter='tflite')
    with pytest.raises(ValueError, match='input_shape'):
        export_onnx(teacher, (1, 2, 3, 0, 32, 32), path)
    with pytest.raises(ValueError, match='dynamic_views'):
        export_onnx(torch.nn.Identity(), (4, ), path, dynamic_views=True)
    # a model in train mode comes back in train mode
    teacher.train()
    try:
        export_onnx(teacher, teacher_shape, path, exporter='torchscript',
                    opset=17)
        assert teacher.training
    finally:
        teacher.eval()
