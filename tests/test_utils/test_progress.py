"""Progress lines of a pass over a dataloader: a few a pass, the last
always, flushed."""
import re

from mmlight.utils.progress import batch_progress, dataloader_length


def test_about_ten_lines_a_pass_and_the_last(capsys):
    assert list(batch_progress(range(25), 'calibration', 25)) == list(
        range(25))
    lines = capsys.readouterr().out.splitlines()
    numbers = [int(re.fullmatch(r'calibration: batch (\d+)/25, \d+\.\d s',
                                line)[1]) for line in lines]
    assert numbers == [1, 3, 6, 9, 12, 15, 18, 21, 24, 25]


def test_every_batch_of_a_short_pass_and_no_total(capsys):
    list(batch_progress(range(3), 'verification (test_dataloader)', 3))
    assert [line.split(',')[0] for line in
            capsys.readouterr().out.splitlines()] == [
        f'verification (test_dataloader): batch {i}/3' for i in (1, 2, 3)]
    list(batch_progress(iter(range(21)), 'test'))
    assert [line.split(',')[0] for line in
            capsys.readouterr().out.splitlines()] == [
        'test: batch 1', 'test: batch 10', 'test: batch 20']


def test_dataloader_length():
    assert dataloader_length([1, 2]) == 2
    assert dataloader_length(iter([1, 2])) is None
