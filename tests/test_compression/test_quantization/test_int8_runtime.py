"""The inductor INT8 runtime: a saved PT2E program compiled gives the
reference runtime's scores, compiles once per shape and says how long it
took."""
import copy

import pytest
import torch

from mmlight.compression.quantization import int8_runtime as rt
from mmlight.compression.quantization import pt2e as q

from test_pt2e import T, clips, logits, tiny_student


@pytest.fixture(scope='module')
def program(tmp_path_factory):
    """A tiny TSM student (FP32) and its PTQ-quantized ``.pt2``."""
    student = tiny_student()
    model = copy.deepcopy(student)
    q.quantize_recognizer_static(model, (clips(4, seed=i) for i in range(4)))
    path = str(tmp_path_factory.mktemp('int8') / 'int8.pt2')
    q.save_quantized_recognizer(model, path, clips(1))
    return path, student


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def test_compiled_program_matches_the_reference(program):
    path, student = program
    reference, meta = rt.load_int8_program(path, 'reference')
    compiled, meta2 = rt.load_int8_program(path)
    assert isinstance(compiled, rt.InductorProgram) and meta == meta2
    assert meta['num_segments'] == T
    x = clips(12, seed=11)
    with torch.no_grad():
        want, fp32 = reference(x), logits(student, x)
    got = compiled(x)
    assert got.shape == want.shape == (12, 7)
    # oneDNN's int8 kernels requantize in another order than the reference
    # q/dq ops (ties round apart, layer after layer), so on this random net
    # they differ by less than the quantization's own error, and the
    # compiled program is as close to the FP32 model as the reference is.
    # (With 8-bit activations, on a CPU without VNNI the compiled program
    # saturated: 0.46 from the reference, which is 0.16 from FP32; the
    # default 7 bits cannot saturate: 0.24, reference 0.34 from FP32.)
    assert rel(got, want) < rel(want, fp32)
    assert rel(got, fp32) <= 1.2 * rel(want, fp32) + 0.02
    agree = (got.argmax(1) == fp32.argmax(1)).float().mean()
    agree_ref = (want.argmax(1) == fp32.argmax(1)).float().mean()
    assert agree >= agree_ref - 0.125, (agree, agree_ref)
    assert list(compiled.compile_s) == [(12, T, 3, 32, 40)]
    first = compiled.compile_s[(12, T, 3, 32, 40)]
    assert first > 0
    # the same shape again: no second compilation, the same scores
    assert compiled.warmup((12, T, 3, 32, 40)) == 0.0
    torch.testing.assert_close(compiled(x), got)
    assert compiled.compile_s == {(12, T, 3, 32, 40): first}
    # (another batch size compiles once more: the benchmark's batch sizes
    # and tools/test.py's last batch, tests/test_e2e)
    assert compiled.total_compile_s == pytest.approx(
        sum(compiled.compile_s.values()))


def test_unknown_runtime_and_missing_file(program, tmp_path):
    with pytest.raises(ValueError, match="one of \\['inductor', 'reference'"):
        rt.load_int8_program(program, 'fast')
    with pytest.raises(FileNotFoundError, match='gone.pt2'):
        rt.load_int8_program(str(tmp_path / 'gone.pt2'))
    with pytest.raises(TypeError, match='nn.Module'):
        rt.InductorProgram(lambda x: x)


def test_the_benchmark_forward_says_whether_it_compiles_per_batch(program):
    # evaluators pad a static-batch backend's short last batch
    # (tests/test_deployment/test_ort_inference.py): nothing compiles here
    from mmlight.reports.common import load_pt2_forward
    path, _ = program
    compiled = load_pt2_forward(path)
    assert compiled.static_batch and compiled.program.compile_s == {}
    assert load_pt2_forward(path, 'reference').static_batch is False
