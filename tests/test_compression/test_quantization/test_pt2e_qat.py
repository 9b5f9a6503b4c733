"""QAT preparation of a tiny TSM student with PT2E: train/eval switching of
the exported graph and conversion. Slow: torchao's QAT conv-BN fold in
``convert_pt2e`` matches 16 patterns (~20 s on a loaded 2-core CPU)."""
import pytest
import torch

from mmlight.compression.quantization import pt2e as q

from test_pt2e import T, clips, tiny_student

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def student():
    return tiny_student()


def test_qat_graph_switches_train_and_eval(student):
    from torchao.quantization.pt2e import disable_observer
    student.train()
    try:
        graph = q.export_backbone(student, clips(2))
    finally:
        student.eval()
    prepared = q.prepare_ptq(graph, is_qat=True)
    backbone = q.ExportedBackbone(prepared, T, trainable=True)

    def bn_args():  # (training, momentum, eps) of every BatchNorm op
        return {
            tuple(n.args[5:8])
            for n in prepared.graph.nodes if 'batch_norm' in str(n.target)
        }

    backbone.train()
    # MobileNetV3's momentum and eps survive torchao's conv-BN fusion
    assert bn_args() == {(True, 0.01, 1e-3)}
    for i in range(3):  # QAT steps: observers see training batches
        out = backbone(clips(4, seed=i).flatten(0, 1))
    out.mean().backward()
    assert any(p.grad is not None for p in backbone.parameters())
    backbone.eval()
    assert bn_args() == {(False, 0.01, 1e-3)}
    prepared.apply(disable_observer)
    x = clips(2, seed=5).flatten(0, 1)
    with torch.no_grad():
        a, b = backbone(x), backbone(x)
    torch.testing.assert_close(a, b)
    backbone.train()
    assert bn_args() == {(True, 0.01, 1e-3)}
    with torch.no_grad():
        # the graph shares (and updated) the student's BN statistics
        ref = student.backbone(x)
        int8 = q.convert(prepared)
        rel = (int8(x) - ref).norm() / ref.norm()
    assert rel < 0.4, rel  # ~0.17; ~2 with torchao's eps=1e-5 fold
