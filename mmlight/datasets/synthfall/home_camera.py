"""Domain randomisation toward real home-camera footage (``domain='home'``).

Real fall footage comes from cameras mounted high on a wall or in a
corner, looking down through a wide-angle lens, recording small people at
low bit rates. SynthFall's plain clips are filmed level, at chest height,
with the person filling half the frame or more. A ``'home'`` clip instead
draws, per clip:

* the mounting: the camera 1.8-2.7 m up, the person 25-55% of the frame
  tall with the floor below them (their feet 50-80% down the frame)
  (:data:`HOME_CAMERA`, passed to :func:`~.camera.fit_camera`);
* the view down: a keystone warp of a camera pitched 8-30 degrees down
  (world verticals converge toward the bottom of the frame), and the barrel
  distortion of a wide-angle lens (:func:`lens_warp`);
* the recording: sometimes a night-vision (grey) picture, a colour
  temperature and saturation, a softer image (the sensor's resolution
  below the stream's) and block artefacts of a low bit rate (JPEG at
  quality 15-60) (:func:`recording_effects`).

Everything is drawn from the clip's generator; ``domain='plain'`` draws
nothing here, so plain datasets stay as they were.
"""
from typing import Dict, Tuple

import cv2
import numpy as np

__all__ = ['DOMAINS', 'HOME_CAMERA', 'camera_ranges', 'home_camera_effects',
           'lens_warp', 'recording_effects']

#: The rendering domains of :func:`~.render.render_trajectory`.
DOMAINS: Tuple[str, ...] = ('plain', 'home')

#: fit_camera ranges of a wall-mounted home camera: camera height (m), the
#: person's standing height and the row of their floor line as fractions of
#: the frame height (a camera looking down sees the floor below them).
HOME_CAMERA: Dict[str, Tuple[float, float]] = {
    'cam_h': (1.8, 2.7), 'person_scale': (0.25, 0.55), 'floor': (0.5, 0.8)}


def camera_ranges(domain: str) -> Dict[str, Tuple[float, float]]:
    """The :func:`~.camera.fit_camera` ranges of ``domain`` (none for
    ``'plain'``: fit_camera's defaults are SynthFall's level camera)."""
    if domain not in DOMAINS:
        raise ValueError(f'domain must be one of {list(DOMAINS)}, got '
                         f'{domain!r}')
    return dict(HOME_CAMERA) if domain == 'home' else {}


def lens_warp(width: int, height: int, pitch_deg: float,
              k1: float) -> Tuple[np.ndarray, np.ndarray]:
    """The remap of a level, distortion-free frame to a camera pitched down
    by ``pitch_deg`` with radial distortion ``k1`` (< 0: barrel).

    Barrel distortion: an output pixel at radius ``r`` (normalised by the
    half diagonal) samples the source at ``r (1 - k1 r^2) / (1 - k1)``, so
    the middle is magnified, the edges squeezed and the corners stay
    corners. Pitch: a keystone in which the output's bottom row spans the
    whole source width and the top row ``1 / (1 + tan(pitch))`` of it, so
    world verticals converge toward the bottom, as seen from above. Every
    output pixel samples inside the source frame (no border).

    Args:
        width: Frame width.
        height: Frame height.
        pitch_deg: Downward pitch in degrees, 0-45.
        k1: Radial coefficient, -0.5-0 (0: no distortion).

    Returns:
        tuple: ``map_x``, ``map_y`` ``(height, width)`` float32 for
        ``cv2.remap``.
    """
    if not 0 <= pitch_deg <= 45 or not -0.5 <= k1 <= 0:
        raise ValueError(f'pitch_deg must be in [0, 45] and k1 in [-0.5, 0],'
                         f' got {pitch_deg!r}, {k1!r}')
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    cx, cy = (width - 1) / 2, (height - 1) / 2
    half = np.hypot(cx, cy)
    u, v = (xs - cx) / half, (ys - cy) / half
    factor = (1 - k1 * (u * u + v * v)) / (1 - k1)
    src_x, src_y = cx + u * factor * half, cy + v * factor * half
    slope = np.tan(np.radians(pitch_deg))
    rows = src_y / max(height - 1, 1)  # 0 at the top, 1 at the bottom
    src_x = cx + (src_x - cx) * (1 + slope * rows) / (1 + slope)
    return (np.clip(src_x, 0, width - 1).astype(np.float32),
            np.clip(src_y, 0, height - 1).astype(np.float32))


def recording_effects(rng: np.random.Generator, frames: np.ndarray) -> None:
    """Night vision, white balance, a soft sensor and compression blocks,
    in place on ``frames`` ``(T, H, W, 3)`` RGB uint8."""
    t, h, w = frames.shape[:3]
    if rng.random() < 0.15:  # infrared night mode: grey, flat, noisy
        grey = frames.mean(-1, keepdims=True)
        frames[:] = np.clip(grey * rng.uniform(0.8, 1.2), 0, 255).astype(
            np.uint8)
    else:  # white balance and saturation of a cheap sensor
        gains = rng.uniform(0.85, 1.15, 3).astype(np.float32)
        sat = np.float32(rng.uniform(0.5, 1.1))
        f = frames.astype(np.float32)
        grey = f.mean(-1, keepdims=True)
        f = (grey + sat * (f - grey)) * gains
        frames[:] = np.clip(f, 0, 255).astype(np.uint8)
    soft = rng.uniform(1.0, 1.8)  # the sensor's resolution below the frame's
    quality = int(rng.integers(15, 61))
    small = (max(8, int(w / soft)), max(8, int(h / soft)))
    for i in range(t):
        frame = frames[i]
        if soft > 1.1:
            frame = cv2.resize(cv2.resize(frame, small,
                                          interpolation=cv2.INTER_AREA),
                               (w, h), interpolation=cv2.INTER_LINEAR)
        ok, buf = cv2.imencode('.jpg', frame,
                               [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            frame = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
        frames[i] = frame


def home_camera_effects(rng: np.random.Generator, frames: np.ndarray) -> None:
    """The view and the recording of a wall-mounted home camera, in place
    on ``frames`` ``(T, H, W, 3)`` RGB uint8 rendered level (see the module
    docstring)."""
    t, h, w = frames.shape[:3]
    map_x, map_y = lens_warp(w, h, rng.uniform(8, 30), rng.uniform(-0.3, 0))
    for i in range(t):
        frames[i] = cv2.remap(frames[i], map_x, map_y, cv2.INTER_LINEAR)
    recording_effects(rng, frames)
