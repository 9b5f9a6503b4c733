"""StreamingFallDetector: windows every stride frames over a bounded ring,
TSN's segment centres, the model's own normalisation; OnlineFallDetector
(the full run of tools/demo/fall_detect.py is in tests/test_cli)."""
import numpy as np
import pytest
import torch

from mmlight.apis import FallAlarm, StreamingFallDetector
from mmlight.apis.fall_detector import LATENCY_WINDOWS
from mmlight.registry import MODELS


def preprocessor():
    return MODELS.build(dict(type='ActionDataPreprocessor', mean=[0, 0, 0],
                             std=[255, 255, 255], format_shape='NCHW'))


def test_windows_slide_over_a_bounded_ring():
    seen = []

    def scorer(x):  # fall probability = brightness of the last segment
        seen.append(x)
        p = float(x[0, -1].mean())
        return np.array([1 - p, p])

    detector = StreamingFallDetector(
        scorer, preprocessor(), window_frames=12, num_segments=4,
        size=(16, 12), fall_index=1, stride=4,
        alarm=FallAlarm(0.6, 0.4, min_on=1, min_off=1, smoothing=1.0))
    assert detector.indices == [1, 4, 7, 10]
    events, scored = [], []
    for i in range(200):
        value = 250 if 100 <= i < 130 else 10  # a bright "fall"
        frame = np.full((48, 64, 3), value, np.uint8)
        p, event = detector.push(i / 10, frame)
        if p is not None:
            scored.append(i)
        if event:
            events.append(event)
        assert len(detector.frames) <= 12  # constant memory
    assert scored == list(range(11, 200, 4))
    assert seen[0].shape == (1, 4, 3, 12, 16)
    assert 0 <= seen[0].min() and seen[0].max() <= 1  # the preprocessor ran
    assert len(events) == 1
    assert 10.0 <= events[0]['start'] <= 10.4 and events[0]['peak'] > 0.9
    assert len(detector.latencies) == detector.windows == len(scored)
    # latencies are bounded too: the latest LATENCY_WINDOWS only
    assert detector.latencies.maxlen == LATENCY_WINDOWS


def test_bad_windows():
    with pytest.raises(ValueError, match='num_segments'):
        StreamingFallDetector(lambda x: x, preprocessor(), 4, 8, (8, 8), 0)
    with pytest.raises(ValueError, match='input_format'):
        StreamingFallDetector(lambda x: x, preprocessor(), 8, 4, (8, 8), 0,
                              input_format='NTHWC')


def test_online_tsm_scores_the_stream_frame_by_frame(tiny_tsm_config):
    """Causal TSM: within the first window the online detector gives the
    offline model's probabilities on the same frames, one backbone pass
    a scored frame."""
    import copy

    from mmlight.apis import OnlineFallDetector
    cfg = copy.deepcopy(tiny_tsm_config)
    cfg['backbone']['temporal_cfg'] = dict(type='shift', causal=True)
    torch.manual_seed(0)
    offline = MODELS.build(cfg).eval()
    online_model = copy.deepcopy(offline)
    detector = OnlineFallDetector(online_model, window_frames=12,
                                  num_segments=4, size=(32, 24),
                                  fall_index=2)
    assert detector.step == 3
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (24, 32, 3), np.uint8)
              for _ in range(30)]
    scores = [(i, p) for i, f in enumerate(frames)
              if (p := detector.push(i / 10, f)[0]) is not None]
    assert [i for i, _ in scores] == list(range(9, 30, 3))
    import cv2
    used = [cv2.cvtColor(frames[i], cv2.COLOR_BGR2RGB).transpose(2, 0, 1)
            for i in (0, 3, 6, 9)]
    data = offline.data_preprocessor(
        dict(inputs=[torch.from_numpy(np.stack(used))], data_samples=None),
        False)
    with torch.no_grad():
        logits = offline(data['inputs'], mode='tensor', stage='head')
    ref = float(torch.softmax(logits, -1)[0, 2])
    assert scores[0][1] == pytest.approx(ref, rel=1e-4, abs=1e-6)
    assert len(detector.latencies) == len(scores)
