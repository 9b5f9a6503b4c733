"""Conv2Plus1DHead: layouts, shapes, gradients, checkpointing, errors,
registry and a real MMAction2 recognizer."""
import pytest
import torch
import torch.nn.functional as F

from mmlight.models.heads.conv2plus1d_head import Conv2Plus1DHead

C, K, MID = 8, 3, 16
TS = [1, 4, 8]
RESOLUTIONS = [(1, 1), (3, 4), (7, 7)]


def _head(**kwargs) -> Conv2Plus1DHead:
    torch.manual_seed(0)
    cfg = dict(num_classes=K, in_channels=C, mid_channels=MID)
    cfg.update(kwargs)
    head = Conv2Plus1DHead(**cfg)
    head.init_weights()
    return head.eval()


def _to_2d(x5: torch.Tensor) -> torch.Tensor:
    N, C_, T, H, W = x5.shape
    return x5.transpose(1, 2).reshape(N * T, C_, H, W)


@pytest.mark.parametrize('T', TS)
@pytest.mark.parametrize('HW', RESOLUTIONS)
@pytest.mark.parametrize('train', [False, True])
def test_layouts_agree(T, HW, train):
    head = _head(dropout_ratio=0.).train(train)
    x5 = torch.randn(2, C, T, *HW)
    out5 = head(x5)
    out4 = head(_to_2d(x5), num_segs=T)
    assert out5.shape == (2, K)
    assert torch.isfinite(out5).all()
    torch.testing.assert_close(out4, out5)


def test_temporal_order_matters():
    # the temporal conv sees frame order; a plain average would not
    head = _head(temporal_kernel=3)
    x = torch.randn(1, C, 4, 3, 3)
    assert not torch.allclose(head(x), head(x.flip(2)))


@pytest.mark.parametrize('T', TS)
@pytest.mark.parametrize('HW', RESOLUTIONS)
def test_grad_reaches_first_conv(T, HW):
    head = _head().train()
    x = torch.randn(2 * T, C, *HW, requires_grad=True)
    head(x, num_segs=T).sum().backward()
    for p in (head.conv.conv_s.weight, head.conv.conv_t.weight,
              head.fc_cls.weight):
        assert p.grad is not None and p.grad.abs().sum() > 0
    assert x.grad.abs().sum() > 0


@pytest.mark.parametrize('T', TS)
@pytest.mark.parametrize('HW', RESOLUTIONS)
def test_checkpoint_matches_plain(T, HW):
    heads = [_head(dropout_ratio=0., with_cp=cp).train()
             for cp in (False, True)]
    heads[1].load_state_dict(heads[0].state_dict())
    x = torch.randn(2, C, T, *HW)
    label = torch.tensor([0, 2])
    losses = []
    for head in heads:
        loss = F.cross_entropy(head(x), label)
        loss.backward()
        losses.append(loss)
    torch.testing.assert_close(losses[0], losses[1])
    for (name, p0), p1 in zip(heads[0].named_parameters(),
                              heads[1].parameters()):
        assert p0.grad is not None, name
        torch.testing.assert_close(p0.grad, p1.grad, msg=name)
    # recomputation must not give BN a second running-stat update
    for (name, b0), b1 in zip(heads[0].named_buffers(),
                              heads[1].buffers()):
        torch.testing.assert_close(b0, b1, msg=name)


def test_checkpoint_only_in_training(monkeypatch):
    import mmlight.models.utils.activation_checkpoint as mod  # where the head's cp runs
    calls = []

    def spy(fn, *args, **kwargs):
        calls.append(kwargs.get('use_reentrant'))
        return fn(*args)

    monkeypatch.setattr(mod, 'checkpoint', spy)
    head = _head(with_cp=True)
    x = torch.randn(2, C, 2, 2, 2)
    head.eval()(x)
    assert calls == []
    head.train()(x)
    assert calls == [False]


@pytest.mark.parametrize('ratio,cls', [(0., torch.nn.Identity),
                                       (0.5, torch.nn.Dropout)])
def test_dropout_branch(ratio, cls):
    assert type(_head(dropout_ratio=ratio).dropout) is cls


@pytest.mark.parametrize('x,num_segs', [
    (torch.randn(2, C, 4), None),
    (torch.randn(1, 2, C, 3, 2, 2), None),
    (torch.randn(6, C, 2, 2), None),
    (torch.randn(7, C, 2, 2), 3),
])
def test_bad_input_raises(x, num_segs):
    with pytest.raises(ValueError, match=r'\(N \* T, C, H, W\)'):
        _head()(x, num_segs=num_segs)


@pytest.mark.parametrize('kwargs', [
    dict(mid_channels=0), dict(mid_channels=-4), dict(mid_channels=2.5),
    dict(spatial_kernel=2), dict(spatial_kernel=0), dict(spatial_kernel=-3),
    dict(temporal_kernel=4), dict(temporal_kernel=0),
    dict(temporal_kernel=3.0), dict(dropout_ratio=1.0),
    dict(dropout_ratio=-0.1), dict(in_channels=0)
])
def test_bad_args(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        _head(**kwargs)


@pytest.mark.parametrize('ks,kt', [(1, 1), (1, 3), (5, 1), (3, 5)])
def test_kernels_keep_any_size(ks, kt):
    head = _head(spatial_kernel=ks, temporal_kernel=kt)
    assert head.conv.conv_s.kernel_size == (1, ks, ks)
    assert head.conv.conv_t.kernel_size == (kt, 1, 1)
    assert head(torch.randn(2, C, 1, 1, 1)).shape == (2, K)


def test_build_from_registry():
    from mmlight.registry import MODELS
    from mmlight.utils import register_all_modules
    register_all_modules()
    head = MODELS.build(
        dict(type='Conv2Plus1DHead', num_classes=2, in_channels=C,
             mid_channels=MID, average_clips='prob'))
    assert isinstance(head, Conv2Plus1DHead)
    head.init_weights()
    assert head(torch.randn(4, C, 2, 2), num_segs=2).shape == (2, 2)


def test_in_recognizer2d():
    """A real MMAction2 ``Recognizer2D`` with a backbone that keeps its
    feature maps passes ``(N * T, C, H, W)`` and ``num_segs`` to the head.

    (A ``torchvision.`` backbone would be pooled to 1x1 by the recognizer.)
    """
    from mmaction.structures import ActionDataSample

    from mmlight.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='Recognizer2D',
            backbone=dict(type='ResNet', depth=18, pretrained=None),
            cls_head=dict(
                type='Conv2Plus1DHead', num_classes=2, in_channels=512,
                mid_channels=MID, average_clips='prob'),
            data_preprocessor=dict(
                type='ActionDataPreprocessor', format_shape='NCHW')))
    model.init_weights()
    N, T = 2, 3
    inputs = torch.randn(N, T, 3, 64, 64)  # backbone maps: 2x2
    samples = [ActionDataSample().set_gt_label(i) for i in range(N)]
    model.train()
    losses = model(inputs, samples, mode='loss')
    losses['loss_cls'].backward()
    assert torch.isfinite(losses['loss_cls'])
    assert model.cls_head.conv.conv_s.weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        preds = model(inputs, samples, mode='predict')
    assert len(preds) == N
    assert preds[0].pred_score.shape == (2, )
