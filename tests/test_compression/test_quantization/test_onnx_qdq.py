"""Static INT8 (QDQ) quantization with ONNX Runtime."""
import collections
import logging
import os

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from mmengine.logging import MMLogger

from mmlight.compression.quantization import ArrayCalibrationReader, calibration_batches, quantize_onnx_static
from mmlight.deployment import OrtRecognizer, build_recognizer


def _clips(shape, batch, num, seed):
    """N(0, 1) clips: the distribution the test models were set up on."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((batch, ) + tuple(shape[1:])).astype(
        np.float32) for _ in range(num)]


def _op_types(path):
    return collections.Counter(n.op_type for n in onnx.load(path).graph.node)


def _runtime_op_types(path, tmp_path):
    """The op types ONNX Runtime's CPU provider runs after its fusions."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.optimized_model_filepath = str(tmp_path / 'optimized.onnx')
    ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])
    return _op_types(options.optimized_model_filepath)


@pytest.fixture(scope='module')
def teacher_int8(teacher_onnx, teacher_shape, tmp_path_factory):
    path = tmp_path_factory.mktemp('int8') / 'teacher_int8.onnx'
    return quantize_onnx_static(teacher_onnx, str(path),
                                _clips(teacher_shape, 4, 4, seed=1))


def _agreement(fp32_path, int8_path, shape):
    x = _clips(shape, 48, 1, seed=2)[0]
    a = OrtRecognizer(fp32_path, num_threads=1)(x)
    b = OrtRecognizer(int8_path, num_threads=1)(x)
    assert len(set(a.argmax(1))) > 1  # a test that can fail
    # Mean |logit error| over the logit spread: ~1.1 for unrelated outputs.
    return float((a.argmax(1) == b.argmax(1)).mean()), float(
        np.abs(a - b).mean() / a.std())


def test_conv3d_model_quantizes_statically_to_qdq(teacher_onnx, teacher_int8,
                                                  teacher_shape, tmp_path):
    ops = _op_types(teacher_int8)
    assert ops['QuantizeLinear'] > 0 and ops['DequantizeLinear'] > 0
    weights = [onnx.numpy_helper.to_array(t)
               for t in onnx.load(teacher_int8).graph.initializer]
    conv_weights = [w for w in weights if w.ndim == 5]  # Conv3d kernels
    assert conv_weights and all(w.dtype == np.int8 for w in conv_weights)
    assert not any(w.dtype == np.float32 and w.ndim == 5 for w in weights)
    # ONNX Runtime runs every Conv3d as an integer QLinearConv
    runtime = _runtime_op_types(teacher_int8, tmp_path)
    assert runtime['QLinearConv'] == _op_types(teacher_onnx)['Conv'] > 0
    assert runtime['Conv'] == 0
    assert os.path.getsize(teacher_onnx) >= 3 * os.path.getsize(teacher_int8)
    agreement, rel_err = _agreement(teacher_onnx, teacher_int8, teacher_shape)
    assert agreement >= 0.75 and rel_err < 0.5, (agreement, rel_err)


def test_tsm_student_quantizes_and_agrees(student_onnx, student_shape,
                                          tmp_path):
    int8 = quantize_onnx_static(student_onnx, str(tmp_path / 's8.onnx'),
                                _clips(student_shape, 4, 4, seed=1))
    runtime = _runtime_op_types(int8, tmp_path)
    assert runtime['QLinearConv'] == _op_types(student_onnx)['Conv']
    agreement, rel_err = _agreement(student_onnx, int8, student_shape)
    assert agreement >= 0.75 and rel_err < 0.5, (agreement, rel_err)


def test_float_bias_and_compact_names_change_size_not_results(
        teacher_onnx, teacher_int8, teacher_shape, tmp_path):
    plain = quantize_onnx_static(
        teacher_onnx, str(tmp_path / 'plain.onnx'),
        _clips(teacher_shape, 4, 4, seed=1), quantize_bias=True,
        compact_names=False)
    x = _clips(teacher_shape, 8, 1, seed=3)[0]
    a = OrtRecognizer(teacher_int8, num_threads=1)(x)
    b = OrtRecognizer(plain, num_threads=1)(x)
    # ONNX Runtime rounds a float bias to int32 itself: the same model but
    # for rare one-step rounding differences inside.
    assert np.abs(a - b).max() <= 0.1 * b.std()
    assert np.abs(a - b).mean() <= 0.02 * b.std()
    assert os.path.getsize(teacher_int8) < os.path.getsize(plain)
    graph = onnx.load(teacher_int8).graph
    assert graph.input[0].name == 'inputs'
    assert graph.output[0].name == 'scores'
    assert not any(n.name for n in graph.node)
    assert not any(t.data_type == onnx.TensorProto.INT32
                   for t in graph.initializer)  # biases stay float


def test_histogram_calibration_takes_uneven_batches(teacher_onnx,
                                                    teacher_shape, tmp_path):
    # A val split rarely divides by the batch size; ORT 1.31's histogram
    # collectors fail on a short last batch unless fed clip by clip.
    reader = ArrayCalibrationReader(_clips(teacher_shape, 2, 1, 0) +
                                    _clips(teacher_shape, 1, 1, 1),
                                    per_clip=True)
    shapes = []
    while (item := reader.get_next()) is not None:
        shapes.append(item['inputs'].shape)
    assert shapes == [(1, ) + teacher_shape[1:]] * 3
    batches = _clips(teacher_shape, 3, 1, 0) + _clips(teacher_shape, 1, 1, 1)
    path = quantize_onnx_static(
        teacher_onnx, str(tmp_path / 'p.onnx'), batches,
        calibrate_method='Percentile',
        extra_options={'CalibPercentile': 99.9})
    assert _op_types(path)['QuantizeLinear'] > 0


def test_calibration_batches_are_preprocessed_val_clips(
        synthfall_tiny, tiny_config):
    cfg = tiny_config('fall_mbv3s_tsm.py', synthfall_tiny)
    model = build_recognizer(cfg)
    batches = list(calibration_batches(cfg, model, num_batches=1))
    assert len(batches) == 1
    (batch, ) = batches
    assert batch.dtype == np.float32
    assert batch.shape[1:] == (8, 3, 48, 64) and 1 <= batch.shape[0] <= 2
    # normalised with the config's mean/std, not raw 0..255 pixels
    assert -3 < batch.mean() < 3 and batch.min() < 0
    reader = ArrayCalibrationReader(iter(batches))
    assert reader.get_next()['inputs'] is not None
    assert reader.get_next() is None and reader.num_batches == 1
    with pytest.raises(ValueError, match='num_batches'):
        calibration_batches(cfg, model, num_batches=0)
    with pytest.raises(ValueError, match='no train2_dataloader'):
        calibration_batches(cfg, model, 1, split='train2')


def test_a_short_split_warns_and_calibrates_on_what_it_has(
        synthfall_tiny, tiny_config, capsys):
    cfg = tiny_config('fall_mbv3s_tsm.py', synthfall_tiny)
    model = build_recognizer(cfg)
    val = synthfall_tiny / 'val.txt'
    clips = len(val.read_text().splitlines())
    available = -(-clips // 2)  # batch size 2
    assert available < 16
    logger = MMLogger.get_current_instance()  # where print_log goes
    handler = logging.Handler(logging.WARNING)
    records = []
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        batches = list(calibration_batches(cfg, model, 16,
                                           progress='calibration'))
    finally:
        logger.removeHandler(handler)
    # (mmengine logs deprecation warnings of its own there)
    assert [r.getMessage() for r in records
            if 'calibration' in r.getMessage()] == [
        f'16 calibration batches asked, but val_dataloader ({clips} clips '
        f'of {val}, batch size 2) has only {available}: calibration on '
        f'{available}']
    assert len(batches) == available
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(',')[0] for line in lines] == [
        f'calibration (val_dataloader): batch {i}/{available}'
        for i in range(1, available + 1)]


def test_bad_arguments_give_clear_errors(teacher_onnx, teacher_shape,
                                         tmp_path):
    out = str(tmp_path / 'q.onnx')
    missing = str(tmp_path / 'missing.onnx')
    with pytest.raises(FileNotFoundError, match='missing.onnx'):
        quantize_onnx_static(missing, out, _clips(teacher_shape, 1, 1, 0))
    with pytest.raises(ValueError, match='no batch'):
        quantize_onnx_static(teacher_onnx, out, [])
    with pytest.raises(ValueError, match='activation_type'):
        quantize_onnx_static(teacher_onnx, out, [], activation_type='int8')
    with pytest.raises(ValueError, match='calibrate_method'):
        quantize_onnx_static(teacher_onnx, out, [], calibrate_method='KL')
    assert not os.path.exists(out)


def test_logits_stay_float_unless_asked(teacher_onnx, teacher_int8,
                                        teacher_shape, tmp_path):
    def output_producer(path):
        graph = onnx.load(path).graph
        return next(n.op_type for n in graph.node
                    if graph.output[0].name in n.output)

    # the classifier writes float logits: no 256-level rounding, no ties
    assert output_producer(teacher_int8) == 'Gemm'
    onnx.checker.check_model(teacher_int8, full_check=True)
    quantized = quantize_onnx_static(
        teacher_onnx, str(tmp_path / 'qout.onnx'),
        _clips(teacher_shape, 4, 4, seed=1), quantize_output=True)
    assert output_producer(quantized) == 'DequantizeLinear'
    x = _clips(teacher_shape, 16, 1, seed=4)[0]
    out = OrtRecognizer(quantized, num_threads=1)(x)
    levels = np.unique(np.round(out / np.diff(np.unique(out)).min()))
    assert len(np.unique(out)) <= 256 and len(levels) <= 256
    float_out = OrtRecognizer(teacher_int8, num_threads=1)(x)
    assert len(np.unique(float_out)) == float_out.size
