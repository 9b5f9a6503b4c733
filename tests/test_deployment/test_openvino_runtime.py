"""OpenVINO as a deploy target: FP32 IR from our ONNX, NNCF INT8, the
OpenVINO runner, on the 2D TSM student and the 3D teacher."""
import os

import numpy as np
import pytest

from mmlight.deployment import (OrtRecognizer, OvRecognizer,
                                convert_to_openvino, deployed_runner,
                                file_size_mb, quantize_openvino)


def _clips(shape, batch, num, seed):
    """N(0, 1) clips: the distribution the test models were set up on."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((batch, ) + tuple(shape[1:])).astype(
        np.float32) for _ in range(num)]


@pytest.fixture(scope='module', params=['student48', 'teacher'])
def irs(request, tmp_path_factory):
    """(onnx, FP32 xml, INT8 xml, input shape) of one test model."""
    onnx = request.getfixturevalue(f'{request.param}_onnx')
    shape = request.getfixturevalue(f'{request.param}_shape')
    out = tmp_path_factory.mktemp(request.param)
    fp32 = convert_to_openvino(onnx, str(out / 'fp32.xml'))
    int8 = quantize_openvino(fp32, str(out / 'int8.xml'),
                             _clips(shape, 4, 8, seed=1), subset_size=32)
    return onnx, fp32, int8, shape


def test_fp32_ir_is_the_onnx_model(irs):
    onnx, fp32, _, shape = irs
    assert os.path.isfile(fp32[:-4] + '.bin')
    x = _clips(shape, 5, 1, seed=3)[0]
    want = OrtRecognizer(onnx, num_threads=1)(x)
    got = OvRecognizer(fp32, num_threads=1)(x)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    # the batch is dynamic; a wrong clip shape is refused, naming the file
    np.testing.assert_allclose(OvRecognizer(fp32, 1)(x[:1]),
                               OrtRecognizer(onnx, 1)(x[:1]), rtol=1e-4,
                               atol=1e-4)
    with pytest.raises(ValueError, match='fp32.xml: input of shape'):
        OvRecognizer(fp32, 1)(x[..., :-1])


def test_nncf_int8_is_smaller_and_agrees(irs):
    _, fp32, int8, shape = irs
    # int8 weights; the .xml (the graph) is as long as the FP32 one's
    assert os.path.getsize(int8[:-4] + '.bin') < 0.4 * os.path.getsize(
        fp32[:-4] + '.bin')
    assert file_size_mb(int8) < file_size_mb(fp32)
    x = _clips(shape, 48, 1, seed=2)[0]
    a = OvRecognizer(fp32, 1)(x)
    b = deployed_runner(int8, 1)(x)
    assert isinstance(deployed_runner(int8, 1), OvRecognizer)
    assert len(set(a.argmax(1))) > 1  # a test that can fail
    agree = float((a.argmax(1) == b.argmax(1)).mean())
    # mean |logit error| over the logit spread: ~1.1 for unrelated outputs
    error = float(np.abs(a - b).mean() / a.std())
    assert agree >= 0.75 and error < 0.35, (agree, error)


def test_bad_inputs_are_named(irs, tmp_path):
    onnx, fp32, _, shape = irs
    with pytest.raises(ValueError, match='.xml file'):
        convert_to_openvino(onnx, str(tmp_path / 'm.onnx'))
    with pytest.raises(FileNotFoundError, match='gone.onnx'):
        convert_to_openvino(str(tmp_path / 'gone.onnx'),
                            str(tmp_path / 'm.xml'))
    with pytest.raises(ValueError, match='no batch'):
        quantize_openvino(fp32, str(tmp_path / 'q.xml'), [])
    with pytest.raises(ValueError, match='overflow_fix'):
        quantize_openvino(fp32, str(tmp_path / 'q.xml'), [np.zeros(1)],
                          overflow_fix='sometimes')
    with pytest.raises(ValueError, match='preset'):
        quantize_openvino(fp32, str(tmp_path / 'q.xml'),
                          _clips(shape, 1, 1, 0), preset='fast')
    # an .xml without its .bin
    lone = tmp_path / 'lone.xml'
    lone.write_text(open(fp32).read())
    with pytest.raises(FileNotFoundError, match='lone.bin'):
        OvRecognizer(str(lone))
    with pytest.raises(ValueError, match='num_threads'):
        OvRecognizer(fp32, -1)
    with pytest.raises(ValueError, match='precision'):
        OvRecognizer(fp32, 1, precision='int4')
    with pytest.raises(ValueError, match='an .onnx .ONNX Runtime. or an '
                       'OpenVINO .xml'):
        deployed_runner(str(tmp_path / 'm.tflite'))
