"""Inference outside a Runner: the streaming fall detector
(``tools/demo/fall_detect.py``)."""
from .fall_alarm import FallAlarm
from .fall_detector import (OnlineFallDetector, StreamingFallDetector,
                            build_clip_scorer)
from .frame_source import open_frames
from .stream_runner import run_stream

__all__ = [
    'FallAlarm', 'OnlineFallDetector', 'StreamingFallDetector',
    'build_clip_scorer', 'open_frames', 'run_stream'
]
