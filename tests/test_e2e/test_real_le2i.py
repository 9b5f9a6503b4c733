"""Real video in CI: 2-3 Le2i clips from ../shared/realdata/le2i converted
(windows, frame cache) and one forward pass of the real-data student; and
`make real` naming a missing dataset. Skipped where the folder is absent."""
import os
import os.path as osp
import subprocess

import pytest
import torch
from mmengine.config import Config

from mmlight.cli.convert_fall_dataset import main as convert
from mmlight.registry import DATASETS, MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LE2I = osp.join(osp.dirname(REPO), 'shared', 'realdata', 'le2i')


@pytest.mark.skipif(not osp.isdir(LE2I),
                    reason=f'no real Le2i videos at {LE2I}')
def test_real_clips_convert_and_run_through_the_student(tmp_path, capsys):
    out = tmp_path / 'le2i'
    assert convert(['le2i', LE2I, '--out', str(out), '--scenes', 'Home_02',
                    '--max-videos', '3', '--frame-cache', '160', '120',
                    '--ratios', '0.34', '0.33', '0.33']) == 0
    printed = capsys.readouterr().out
    assert 'le2i: 3 clips' in printed
    # nothing of the dataset is copied: the videos are links to it
    video = next((out / 'videos' / 'Home_02').iterdir())
    assert osp.islink(video) and os.readlink(video).startswith(
        osp.abspath(LE2I))
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'fall_mbv3s_tsm_le2i.py'))
    split = next(s for s in ('train', 'val', 'test')
                 if (out / f'{s}.txt').read_text().strip())
    ds_cfg = cfg[f'{split}_dataloader'].dataset
    ds_cfg.update(ann_file=str(out / f'{split}.txt'),
                  data_prefix=dict(video=str(out)),
                  frame_cache=str(out / 'frames'))
    dataset = DATASETS.build(ds_cfg)
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (8, 3, 96, 128)
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        data = model.data_preprocessor(dict(
            inputs=[sample['inputs']],
            data_samples=[sample['data_samples']]), False)
        pred = model(**data, mode='predict')
    assert pred[0].pred_score.shape == (2, )


def test_make_real_names_a_missing_dataset(tmp_path):
    proc = subprocess.run(
        ['make', '--no-print-directory', '-C', REPO,
         f'RW={tmp_path}/rw', f'LE2I={tmp_path}/nowhere',
         f'{tmp_path}/rw/le2i.done'],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert f'the Le2i dataset is not at LE2I={tmp_path}/nowhere' in \
        proc.stdout + proc.stderr


@pytest.mark.skipif(not osp.isdir(LE2I),
                    reason=f'no real Le2i videos at {LE2I}')
def test_stream_eval_over_real_videos(tmp_path, capsys):
    import json

    from mmlight.cli.stream_eval import main as stream_eval
    out = tmp_path / 'le2i'
    assert convert(['le2i', LE2I, '--out', str(out), '--scenes', 'Home_01',
                    '--max-videos', '2', '--ratios', '0', '0', '1']) == 0
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'fall_mbv3s_tsm_le2i.py'))
    torch.manual_seed(0)
    ckpt = str(tmp_path / 'random.pth')
    torch.save({'meta': {}, 'state_dict': MODELS.build(
        cfg.model).state_dict()}, ckpt)
    config = osp.join(REPO, 'configs', 'fall_mbv3s_tsm_le2i.py')
    common = [config, '--checkpoint', ckpt, '--data-root', str(out),
              '--split', 'test', '--stride', '16', '--threads', '1']
    assert stream_eval(common + ['--choose', str(tmp_path / 'a.json')]) == 0
    alarm = json.loads((tmp_path / 'a.json').read_text())
    assert alarm['chosen_on'] == 'test' and 'on_threshold' in alarm['alarm']
    assert stream_eval(common + ['--alarm', str(tmp_path / 'a.json'),
                                 '--out', str(tmp_path / 'r.json')]) == 0
    result = json.loads((tmp_path / 'r.json').read_text())
    assert result['figures']['falls'] == 2 and len(result['videos']) == 2
    assert 'test: 2 videos' in capsys.readouterr().out
