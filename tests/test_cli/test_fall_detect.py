"""tools/demo/fall_detect.py (``main(argv)``) with a stand-in model: events
printed as they end, Ctrl-C ends with the summary and status 130, a
missing camera or video is a one-line error naming it; and a full run on a
SynthFall stream with a real (tiny) model."""
import io
import json
import os.path as osp
import re

import cv2
import pytest
import torch

from mmlight.cli import fall_detect as fall_detect_cli
from mmlight.cli.fall_detect import EXIT_INTERRUPTED, main

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'fall_mbv3s_tsm.py')
SUMMARY = (r'^120 frames \(8\.0 s of video\) in .* frames/s end to end; '
           r'57 windows of 8 frames \(8 to the model\), .* 1 fall events$')


class FlushRecorder(io.StringIO):
    """stdout that remembers what had been flushed, flush by flush."""

    def __init__(self):
        super().__init__()
        self.flushed = ''

    def flush(self):
        super().flush()
        self.flushed = self.getvalue()


@pytest.fixture
def stream(tmp_path, fall_frames_fn, brightness_scorer, monkeypatch):
    """``stream(on_call=None)``: a 120-frame video (15 fps, a fall at
    frames 30-49) and the arguments of a run on it with the stand-in model
    (``on_call`` runs at each window; the checkpoint is an empty file)."""
    path = str(tmp_path / 'stream.mp4')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 15,
                             (64, 48))
    for frame in fall_frames_fn(120, fall=(30, 50)):
        writer.write(frame)
    writer.release()
    checkpoint = tmp_path / 'model.pth'
    checkpoint.write_bytes(b'')

    def make(on_call=None):
        monkeypatch.setattr(fall_detect_cli, 'build_clip_scorer',
                            lambda *args: brightness_scorer(on_call))
        return path, [CONFIG, '--checkpoint', str(checkpoint),
                      '--window-seconds', '0.5', '--stride', '2', '--on',
                      '0.6', '--off', '0.4', '--min-off', '1',
                      '--memory-every', '0']

    return make


def test_each_event_is_printed_and_flushed_as_it_ends(stream, monkeypatch,
                                                      tmp_path):
    out = FlushRecorder()
    flushed_by_window = []  # what stdout had flushed when each window came
    video, args = stream(lambda x: flushed_by_window.append(out.flushed))
    monkeypatch.setattr('sys.stdout', out)
    events = tmp_path / 'e.jsonl'
    assert main([video, *args, '--out-json', str(events)]) == 0
    lines = out.getvalue().splitlines()
    (event, ) = [json.loads(line) for line in events.read_text().splitlines()]
    assert lines[0] == json.dumps(event)
    assert lines.count(lines[0]) == 1  # not printed again at the end
    # flushed while the stream still had windows to score, not at its end
    first = next(i for i, text in enumerate(flushed_by_window)
                 if lines[0] in text)
    assert first < len(flushed_by_window) - 30
    assert re.search(SUMMARY, lines[1]), lines  # the summary as before


def test_ctrl_c_prints_the_summary_and_exits_130(stream, tmp_path, capsys):
    windows = []

    def ctrl_c_at_frame_59(x):  # windows end on odd frames, from 7
        windows.append(x)
        if len(windows) == 27:
            raise KeyboardInterrupt

    video, args = stream(ctrl_c_at_frame_59)
    truth = tmp_path / 'truth.json'
    truth.write_text(json.dumps(dict(falls=[dict(start=2.0, end=3.3),
                                            dict(start=7.5, end=7.9)])))
    events = tmp_path / 'e.jsonl'
    try:
        status = main([video, *args, '--out-json', str(events), '--gt',
                       str(truth)])
    except KeyboardInterrupt:  # would end the pytest session
        pytest.fail('Ctrl-C escaped main()')
    assert status == EXIT_INTERRUPTED == 130
    out, err = capsys.readouterr()
    assert 'Traceback' not in out + err
    lines = out.splitlines()
    (event, ) = [json.loads(line) for line in events.read_text().splitlines()]
    assert lines[0] == json.dumps(event)
    assert lines[1] == 'interrupted (Ctrl-C) at 3.9 s of video: what was ' \
        'seen so far'
    assert re.search(r'^59 frames \(3\.9 s of video\) in .*; 26 windows '
                     r'.* 1 fall events$', lines[2]), lines
    # scored against the falls of the part seen
    assert 'recall 1.000 (1 of 1 falls in the 3.9 s seen, 0 false ' \
        'alarms)' in lines[3]


@pytest.mark.parametrize('source,message', [
    ('0', 'camera 0: cannot be opened: no such device, or another program '
     'holds it'),
    ('{tmp}/missing.mp4', 'video not found: {tmp}/missing.mp4'),
    ('{tmp}/garbage.mp4', '{tmp}/garbage.mp4: cannot be opened (not a '
     'video, or a codec OpenCV lacks)'),
])
def test_a_source_that_cannot_be_opened_is_one_line(
        stream, tmp_path, monkeypatch, capsys, source, message):

    class NoCamera:  # whatever cameras this machine has

        def __init__(self, source):
            pass

        def isOpened(self):
            return False

        def release(self):
            pass

    monkeypatch.setattr(cv2, 'VideoCapture', NoCamera)
    (tmp_path / 'garbage.mp4').write_bytes(b'not a video' * 50)
    _, args = stream()
    with pytest.raises(SystemExit) as exit_info:
        main([source.format(tmp=tmp_path), *args])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    # parser.error: the usage, then `PROG: error: MESSAGE`
    assert err.splitlines()[-1].endswith(
        f': error: {message.format(tmp=tmp_path)}'), err
    assert 'Traceback' not in err and out == ''


def test_undefined_event_figures_read_n_a(stream, tmp_path, capsys):
    # Ctrl-C before any alarm: precision and delay are undefined, not nan
    windows = []

    def ctrl_c_early(x):
        windows.append(x)
        if len(windows) == 3:
            raise KeyboardInterrupt

    video, args = stream(ctrl_c_early)
    truth = tmp_path / 'truth.json'
    truth.write_text(json.dumps(dict(falls=[dict(start=0.1, end=0.4)])))
    assert main([video, *args, '--gt', str(truth)]) == EXIT_INTERRUPTED
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith('events:'))
    assert 'nan' not in line
    assert 'precision n/a' in line and 'mean delay n/a s' in line


@pytest.mark.slow
def test_fall_detect_tool_on_a_synthfall_stream(synthfall_tiny, tiny_config,
                                                tmp_path, capsys):
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
