"""ExportedRecognizer: a saved program behind the data preprocessor and in
front of average_clip, as Recognizer2D.predict computes it."""
import pytest
import torch
import torch.nn.functional as F
from mmaction.structures import ActionDataSample
from torch import nn

from mmlight.compression.quantization.serialization import save_quantized
from mmlight.registry import MODELS

NORM = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])


class ClipScores(nn.Module):
    """(N, S, C, H, W) clips -> (N, 3) scores."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return self.fc(x.mean(dim=(1, 3, 4)))


@pytest.fixture
def program(tmp_path):
    torch.manual_seed(0)
    module = ClipScores().eval()
    path = str(tmp_path / 'm.pt2')
    save_quantized(module, path, (torch.randn(2, 4, 3, 8, 8), ),
                   batch_multiple=1, metadata=dict(average_clips='prob'))
    return path, module


def build(path, **kwargs):
    return MODELS.build(dict(
        type='ExportedRecognizer', program=path,
        data_preprocessor=dict(type='ActionDataPreprocessor',
                               format_shape='NCHW', **NORM), **kwargs))


def test_predict_is_the_programs_softmax(program):
    path, module = program
    model = build(path)
    assert model.average_clips == 'prob'  # from the program's metadata
    assert not list(model.parameters())  # the program is not a submodule
    clips = [torch.randint(0, 255, (4, 3, 8, 8)).float() for _ in range(3)]
    samples = [ActionDataSample().set_gt_label(i) for i in range(3)]
    data = model.data_preprocessor(dict(inputs=clips,
                                        data_samples=samples), False)
    out = model(**data, mode='predict')
    with torch.no_grad():
        ref = F.softmax(module(data['inputs']), dim=1)
    got = torch.stack([s.pred_score for s in out])
    torch.testing.assert_close(got, ref)
    assert [int(s.pred_label) for s in out] == ref.argmax(1).tolist()
    torch.testing.assert_close(model(data['inputs']), module(data['inputs']))


def test_score_averaging_and_refusals(program):
    path, module = program
    model = build(path, average_clips='score')
    x = torch.randn(2, 4, 3, 8, 8)
    samples = [ActionDataSample(), ActionDataSample()]
    out = model(x, samples, mode='predict')
    with torch.no_grad():
        torch.testing.assert_close(out[0].pred_score, module(x)[0])
    with pytest.raises(RuntimeError, match='cannot be trained'):
        model(x, samples, mode='loss')
    with pytest.raises(ValueError, match='average_clips'):
        build(path, average_clips='max')
    with pytest.raises(FileNotFoundError, match='no.pt2'):
        build(str(path) + '.no.pt2')
