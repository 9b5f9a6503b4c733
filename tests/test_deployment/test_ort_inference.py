"""ONNX Runtime inference and test-split evaluation."""
import copy

import numpy as np
import pytest
import torch

from mmlight.deployment import (OrtRecognizer, build_recognizer,
                                compare_outputs, evaluate_backends,
                                evaluate_onnx, export_onnx, measure_latency,
                                torch_backend)
from mmlight.reports import load_predictions
from mmlight.measure.complexity import infer_input_shape


def test_ort_recognizer_runs_like_tensor_forward(teacher, teacher_onnx,
                                                 teacher_shape, tmp_path):
    ort_model = OrtRecognizer(teacher_onnx, num_threads=1)
    assert ort_model.input_shape == [None, None, *teacher_shape[2:]]
    x = torch.randn((2, ) + teacher_shape[1:])
    out = ort_model(x)  # a tensor works as well as an array
    assert out.dtype == np.float32 and out.shape == (4, 3)
    assert np.abs(out - torch_backend(teacher)(x.numpy())).max() < 1e-4
    with pytest.raises(ValueError, match='the model takes'):
        ort_model(np.zeros((2, 3, 8, 32, 32), np.float32))
    with pytest.raises(FileNotFoundError, match='nothing.onnx'):
        OrtRecognizer(str(tmp_path / 'nothing.onnx'))
    with pytest.raises(ValueError, match='num_threads'):
        OrtRecognizer(teacher_onnx, num_threads=-1)


@pytest.fixture(scope='module')
def tiny_3d(synthfall_tiny, tiny_config, tmp_path_factory):
    """The teacher config at 8 base channels on the tiny SynthFall, its
    random model and FP32 ONNX export."""
    from mmlight.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    cfg = tiny_config('fall_slowonly_r18_teacher.py', synthfall_tiny)
    torch.manual_seed(0)
    model = build_recognizer(cfg)
    path = export_onnx(model, infer_input_shape(cfg),
                       str(tmp_path_factory.mktemp('tiny3d') / 'teacher.onnx'))
    return cfg, model, path


def test_evaluate_onnx_gives_test_metrics_and_dumps_like_test_py(
        tiny_3d, synthfall_tiny, tmp_path):
    cfg, model, path = tiny_3d
    dump = tmp_path / 'preds.pkl'
    # no model given: the config's own is built for its preprocessor/head
    result = evaluate_onnx(cfg, path, num_threads=1, dump=str(dump),
                           return_logits=True)
    metrics = result['metrics']
    assert {'acc/top1', 'acc/top5', 'acc/mean1'} <= set(metrics)
    assert 0.0 <= metrics['acc/top1'] <= 1.0
    n_test = len((synthfall_tiny / 'test.txt').read_text().split('\n')) - 1
    assert len(result['gt_labels']) == len(result['pred_labels']) == n_test
    assert result['pred_scores'].shape == (n_test, 7)
    np.testing.assert_allclose(result['pred_scores'].sum(1), 1, atol=1e-5)
    assert metrics['acc/top1'] == pytest.approx(
        (result['gt_labels'] == result['pred_labels']).mean())
    gt, pred = load_predictions(str(dump))
    np.testing.assert_array_equal(gt, result['gt_labels'])
    np.testing.assert_array_equal(pred, result['pred_labels'])


def test_onnx_and_pytorch_agree_and_match_predict(tiny_3d):
    cfg, model, path = tiny_3d
    results = evaluate_backends(
        cfg, {'pytorch': torch_backend(model),
              'onnx': OrtRecognizer(path, num_threads=1)},
        model=model, return_logits=True)
    cmp = compare_outputs(results['pytorch'], results['onnx'])
    assert cmp['top1_agreement'] == 1.0
    assert cmp['max_abs_logit_diff'] < 1e-4
    assert results['onnx']['metrics']['acc/top1'] == results['pytorch'][
        'metrics']['acc/top1']
    # The scores are what model.predict (tools/test.py) gives: softmax
    # averaged by the head's average_clip.
    from mmengine.runner import Runner
    loader = Runner.build_dataloader(copy.deepcopy(cfg.test_dataloader))
    batch = next(iter(loader))
    with torch.no_grad():
        samples = model.test_step(batch)
    expected = torch.stack([s.pred_score for s in samples]).numpy()
    np.testing.assert_allclose(results['onnx']['pred_scores'][:len(samples)],
                               expected, atol=1e-5)


def test_a_static_batch_backend_gets_its_short_batch_padded(tiny_3d):
    cfg, model, _ = tiny_3d
    plain = torch_backend(model)
    shapes = []

    class Compiled:  # one graph per batch size, as InductorProgram
        static_batch = True

        def __call__(self, inputs):
            shapes.append(inputs.shape[0])
            return plain(inputs)

    results = evaluate_backends(cfg, {'plain': plain, 'static': Compiled()},
                                model=model, return_logits=True)
    assert shapes == [2, 2]  # batches of 2 and 1: the last padded
    np.testing.assert_allclose(results['static']['logits'],
                               results['plain']['logits'], atol=1e-5)
    # the padding clip's rows are dropped: 3 clips, one view, 7 classes
    assert results['static']['logits'].shape == \
        results['plain']['logits'].shape == (3, 7)
    np.testing.assert_array_equal(results['static']['pred_labels'],
                                  results['plain']['pred_labels'])


def test_evaluate_backends_prints_its_progress(tiny_3d, capsys):
    cfg, model, path = tiny_3d
    backends = {'pytorch': torch_backend(model)}

    def progress_lines():
        return [line.split(',')[0]
                for line in capsys.readouterr().out.splitlines()]

    results = evaluate_backends(cfg, backends, model=model,
                                progress='verification')
    assert len(results['pytorch']['gt_labels']) == 3  # batches of 2, 1
    assert progress_lines() == ['verification (test_dataloader): batch 1/2',
                                'verification (test_dataloader): batch 2/2']
    evaluate_backends(cfg, backends, model=model, max_batches=1,
                      progress='verification')
    assert progress_lines() == ['verification (test_dataloader): batch 1/1']
    evaluate_backends(cfg, backends, model=model, max_batches=1)
    assert progress_lines() == []  # none unless asked


def test_evaluate_backends_rejects_bad_arguments(tiny_3d, tmp_path):
    cfg, model, path = tiny_3d
    backend = OrtRecognizer(path, num_threads=1)
    with pytest.raises(ValueError, match='at least one'):
        evaluate_backends(cfg, {}, model=model)
    with pytest.raises(ValueError, match="'int8' is not one of"):
        evaluate_backends(cfg, {'fp32': backend}, model=model,
                          dump={'int8': str(tmp_path / 'p.pkl')})
    with pytest.raises(ValueError, match='.pkl'):
        evaluate_backends(cfg, {'fp32': backend}, model=model,
                          dump={'fp32': str(tmp_path / 'p.json')})
    with pytest.raises(ValueError, match='train2_dataloader'):
        evaluate_backends(cfg, {'fp32': backend}, model=model,
                          split='train2')
    with pytest.raises(FileNotFoundError, match='gone.onnx'):
        evaluate_onnx(cfg, str(tmp_path / 'gone.onnx'))


def test_compare_outputs_and_measure_latency():
    ref = dict(pred_labels=np.array([0, 1, 2, 1]),
               logits=np.zeros((4, 3), np.float32))
    other = dict(pred_labels=np.array([0, 1, 0, 1]),
                 logits=np.full((4, 3), 0.5, np.float32))
    cmp = compare_outputs(ref, other)
    assert cmp == dict(top1_agreement=0.75, max_abs_logit_diff=0.5)
    assert np.isnan(compare_outputs(ref, dict(
        pred_labels=ref['pred_labels']))['max_abs_logit_diff'])
    with pytest.raises(ValueError, match='clips'):
        compare_outputs(ref, dict(pred_labels=np.zeros(3)))
    calls = []
    ms = measure_latency(lambda x: calls.append(x.shape), (2, 3), min_iters=4,
                         min_seconds=0, warmup=1, repeats=2)
    assert ms > 0 and len(calls) == 1 + 2 * 4 and calls[0] == (2, 3)
    with pytest.raises(ValueError, match='min_iters'):
        measure_latency(lambda x: x, (1, ), min_iters=0)
