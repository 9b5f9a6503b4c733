"""Long SynthFall "stream" videos: clips of one split played back to back,
with the times of every fall, to evaluate a streaming detector."""
import json
import os
import os.path as osp
import random
from typing import Any, Dict, Optional

__all__ = ['make_stream']


def make_stream(data_root: str, out_video: str, split: str = 'test',
                num_clips: int = 0, seed: int = 0,
                out_json: Optional[str] = None) -> Dict[str, Any]:
    """Concatenate a SynthFall split into one video with known fall times.

    Clips are drawn from ``meta.json`` (all of the split, or
    ``num_clips`` of them) in a random order from ``seed`` and written one
    after another at the dataset's frame rate and the first clip's size.
    The ground truth (``out_json``, default ``<out_video>.json``) lists
    every clip's action and time span and every fall's ``start`` and
    ``end`` in seconds (``fall_start``/``fall_end`` of its clip).

    Args:
        data_root (str): A SynthFall folder.
        out_video (str): The stream (``.mp4``).
        split (str): ``'train'``, ``'val'``, ``'test'``, several joined
            by commas, or ``'all'`` (every clip: an hour-long stream from
            a 1400-clip SynthFall, for memory over time). Defaults to
            ``'test'``.
        num_clips (int): Clips to use; 0 uses all. Defaults to 0.
        seed (int): The order. Defaults to 0.
        out_json (str, optional): The ground truth file. Defaults to None.

    Returns:
        dict: The ground truth (``fps``, ``duration``, ``clips``,
        ``falls``).

    Raises:
        FileNotFoundError: No ``meta.json`` in ``data_root``.
        ValueError: The split has no clip.
    """
    import cv2

    from mmlight.datasets.converters.common import write_video
    meta_path = osp.join(data_root, 'meta.json')
    if not osp.isfile(meta_path):
        raise FileNotFoundError(f'{meta_path}: not a SynthFall folder')
    with open(meta_path) as f:
        meta = json.load(f)
    splits = {c['split'] for c in meta['clips']} if split == 'all' \
        else set(split.split(','))
    clips = [c for c in meta['clips'] if c['split'] in splits]
    if not clips:
        raise ValueError(f'{data_root}: no clip in split {split!r}')
    random.Random(seed).shuffle(clips)
    if num_clips:
        clips = clips[:num_clips]
    fps = float(clips[0]['fps'])
    size = (clips[0]['width'], clips[0]['height'])
    truth: Dict[str, Any] = dict(fps=fps, source=data_root, split=split,
                                 clips=[], falls=[])
    offset = 0

    def frames():
        nonlocal offset
        for clip in clips:
            capture = cv2.VideoCapture(osp.join(data_root, clip['path']))
            count = 0
            while True:
                ok, frame = capture.read()
                if not ok:
                    break
                if (frame.shape[1], frame.shape[0]) != size:
                    frame = cv2.resize(frame, size)
                count += 1
                yield clip['path'], frame
            capture.release()
            truth['clips'].append(dict(
                path=clip['path'], action=clip['action'],
                start=offset / fps, end=(offset + count - 1) / fps))
            if clip.get('fall_start') is not None:
                truth['falls'].append(dict(
                    start=(offset + clip['fall_start']) / fps,
                    end=(offset + clip['fall_end']) / fps,
                    clip=clip['path']))
            offset += count

    os.makedirs(osp.dirname(osp.abspath(out_video)), exist_ok=True)
    write_video(frames(), out_video, fps)
    truth['duration'] = offset / fps
    with open(out_json or out_video + '.json', 'w') as f:
        json.dump(truth, f, indent=1)
    return truth
