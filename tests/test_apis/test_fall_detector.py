"""StreamingFallDetector: windows every stride frames over a bounded ring,
TSN's segment centres, the model's own normalisation; and a full run of
tools/demo/fall_detect.py on a SynthFall stream."""
import json
import re

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


@pytest.mark.slow
def test_fall_detect_tool_on_a_synthfall_stream(synthfall_tiny, tiny_config,
                                                tmp_path, capsys):
    from mmlight.cli.fall_detect import main
    from mmlight.datasets.synthfall.stream import make_stream
    from mmlight.deployment import build_recognizer
    truth = make_stream(str(synthfall_tiny), str(tmp_path / 's.mp4'))
    assert truth['falls'] and all(f['end'] > f['start']
                                  for f in truth['falls'])
    n_test = len((synthfall_tiny / 'test.txt').read_text().splitlines())
    assert len(truth['clips']) == n_test
    # every split (the hour-long memory stream): all 21 clips
    both = make_stream(str(synthfall_tiny), str(tmp_path / 'vt.mp4'),
                       split='val,test')
    assert {c['path'] for c in both['clips']} >= {
        c['path'] for c in truth['clips']}
    assert len(make_stream(str(synthfall_tiny), str(tmp_path / 'all.mp4'),
                           split='all')['clips']) == 21
    cfg = tiny_config('fall_mbv3s_tsm.py', synthfall_tiny)
    torch.manual_seed(0)
    model = build_recognizer(cfg)
    ckpt = tmp_path / 'm.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    config = tmp_path / 'tiny.py'
    cfg.dump(str(config))
    assert main([str(tmp_path / 's.mp4'), str(config), '--checkpoint',
                 str(ckpt), '--window-seconds', '1.0', '--stride', '4',
                 '--on', '0.01', '--off', '0.005', '--min-on', '1',
                 '--out-json', str(tmp_path / 'e.jsonl'), '--out-video',
                 str(tmp_path / 'a.mp4'), '--gt',
                 str(tmp_path / 's.mp4.json'), '--memory-every', '1']) == 0
    out = capsys.readouterr().out
    assert 'frames/s end to end' in out and 'events: precision' in out
    # one sample a second of video, the last at the end
    samples = re.search(r'resident memory: ([\d.]+) MB at 1 s of video, '
                        r'([\d.]+) MB at (\d+) s \(min [\d.]+, max [\d.]+, '
                        r'(\d+) samples\)', out)
    assert samples, out
    assert int(samples[4]) in (int(truth['duration']),
                               int(truth['duration']) + 1)
    assert float(samples[1]) > 0 and float(samples[2]) > 0
    events = [json.loads(line) for line in
              (tmp_path / 'e.jsonl').read_text().splitlines()]
    assert events and all(e['end'] >= e['start'] for e in events)
    from mmlight.datasets import dataset_clip_sizes
    frames = dataset_clip_sizes([dict(filename=str(tmp_path / 'a.mp4'))])
    assert frames[0][0] == round(truth['duration'] * truth['fps'])

    # --online needs a causal-shift model
    with pytest.raises(ValueError, match='causal'):
        main([str(tmp_path / 's.mp4'), str(config), '--checkpoint',
              str(ckpt), '--online'])
    cfg.model.backbone.temporal_cfg = dict(type='shift', causal=True)
    cfg.dump(str(config))
    assert main([str(tmp_path / 's.mp4'), str(config), '--checkpoint',
                 str(ckpt), '--online', '--window-seconds', '1.0']) == 0
    assert '(8 to the model, online)' in capsys.readouterr().out


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
