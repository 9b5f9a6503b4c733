"""SynthFall: a procedural fall-detection video dataset generator.

Articulated 2D people (:mod:`.skeleton`) perform scripted actions
(:mod:`.actions`, :mod:`.motion`) in procedural rooms (:mod:`.camera`,
:mod:`.background`), rendered with OpenCV (:mod:`.render`) and written as
mp4 clips with MMAction2 annotation files (:mod:`.plan`, :mod:`.generate`,
``tools/data/synthfall.py``). Needs only numpy and OpenCV (rich for the progress bar).
"""
from .actions import (BINARY_CLASSES, CLASSES, VARIANTS, Trajectory,
                      make_trajectory)
from .generate import generate_dataset, make_contact_sheet, render_clip
from .plan import SPLITS, ClipSpec, clip_rng, plan_clips

__all__ = [
    'BINARY_CLASSES', 'CLASSES', 'SPLITS', 'VARIANTS', 'ClipSpec',
    'Trajectory', 'clip_rng', 'generate_dataset',
    'make_contact_sheet', 'make_trajectory', 'plan_clips', 'render_clip'
]
