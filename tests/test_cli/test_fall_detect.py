"""tools/demo/fall_detect.py (``main(argv)``) with a stand-in model: events
printed as they end, Ctrl-C ends with the summary and status 130, a
missing camera or video is a one-line error naming it."""
import io
import json
import os.path as osp
import re

import cv2
import pytest

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
