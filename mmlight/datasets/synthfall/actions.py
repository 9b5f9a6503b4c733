"""Action programs: per-frame pose trajectories for the SynthFall classes.

Each program sets joint-angle keyframes with random timing and easing, adds
idle sway and breathing, then :func:`.motion.settle` puts the body on the
floor and keeps a planted foot, knee or hip from sliding.

'lie_down' and 'fall' end in poses from the same :func:`.motion.lying_pose`
sampler with the same head-direction balance, and their end times share one
distribution, so only the descent tells them apart: a lie-down takes 1.5-3 s
through kneeling or sitting, a fall 0.4-0.8 s with an accelerating topple or
collapse and a small bounce.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, NamedTuple, Optional, Tuple

import numpy as np

from .motion import (PI, deg, ease, event_end, gait, idle_motion, keyframes,
                     lying_pose, set_arms, settle)
from .skeleton import (J, L_EL, L_HIP, L_KNEE, L_SH, NECK, POSE_DIM, R_EL,
                       R_HIP, R_KNEE, R_SH, TORSO, Body, forward_kinematics,
                       sample_body, standing_pose)

CLASSES: Tuple[str, ...] = ('walk', 'stand', 'sit_down', 'pick_up', 'crouch',
                            'lie_down', 'fall')
BINARY_CLASSES: Tuple[str, ...] = ('no_fall', 'fall')
VARIANTS: Dict[str, Tuple[str, ...]] = {
    'walk': ('steady', 'start'),
    'stand': ('idle', ),
    'sit_down': ('chair', 'stool'),
    'pick_up': ('floor', ),
    'crouch': ('hold', 'return'),
    'lie_down': ('kneel', 'sit'),
    'fall': ('forward', 'backward', 'sideways', 'walk_trip', 'walk_slip'),
}
HIPS, KNEES = [L_HIP, R_HIP], [L_KNEE, R_KNEE]
ARMS = [L_SH, R_SH, L_EL, R_EL]
# Mid-fall reaction, flexion ranges in degrees for shoulders, elbows, hips
# and knees: arms out to break a forward fall, a sitting impact backwards,
# legs shooting out on a slip, knees buckling in a sideways collapse.
REACTIONS = {
    'forward': ((90, 160), (0, 30), (10, 35), (10, 40)),
    'walk_trip': ((90, 160), (0, 30), (10, 35), (10, 40)),
    'backward': ((40, 130), (10, 60), (40, 80), (30, 70)),
    'walk_slip': ((40, 130), (10, 60), (50, 90), (0, 30)),
    'sideways': ((30, 120), (10, 60), (30, 60), (60, 100)),
}
Rng = np.random.Generator


class _Out(NamedTuple):
    """What a program returns; event times are in seconds."""
    poses: np.ndarray
    joints: np.ndarray
    props: Dict[str, Any]
    start: float
    end: float
    lying_from: Optional[float] = None


@dataclass
class Trajectory:
    """An action ready to render.

    Attributes:
        action (str): Class name from :data:`CLASSES`.
        variant (str): Variant name from :data:`VARIANTS`.
        facing (float): ``+1`` faces +x, ``-1`` faces -x.
        body (Body): Body size parameters.
        poses (np.ndarray): Pose vectors, shape ``(T, POSE_DIM)``.
        joints (np.ndarray): World joint positions in metres,
            shape ``(T, NUM_JOINTS, 2)``.
        props (dict): Scene props in world units: ``chair`` (``x``,
            ``seat``, ``depth``, ``kind``, ``facing``) and ``object``
            (``pos`` ``(T, 2)``, ``size``).
        meta (dict): Frame indices ``event_start``, ``event_end``,
            ``fall_start``, ``fall_end`` and ``lying_from`` (None if absent).
    """

    action: str
    variant: str
    facing: float
    body: Body
    poses: np.ndarray
    joints: np.ndarray
    props: Dict[str, Any] = field(default_factory=dict)
    meta: Dict[str, Any] = field(default_factory=dict)


def _stand(rng: Rng, body: Body, facing: float, t: np.ndarray, fps: float,
           variant: str) -> _Out:
    base, now = standing_pose(rng), rng.uniform(0, 0.3 * t[-1])
    keys = [(t[0] - 1, base, 'linear')]
    for _ in range(rng.integers(0, 3)):  # wave, point, scratch the head
        g = base.copy()
        sh, el = (L_SH, L_EL) if rng.random() < 0.4 else (R_SH, R_EL)
        g[sh] += deg(rng.uniform(25, 110))
        g[el] = deg(rng.uniform(20, 110))
        g[NECK] += deg(rng.uniform(-12, 12))
        t1 = now + rng.uniform(0.0, 0.5)
        t2, t3 = t1 + rng.uniform(0.3, 0.7), t1 + rng.uniform(0.9, 1.6)
        now = t3 + rng.uniform(0.3, 0.7)
        keys += [(t1, base, 'linear'), (t2, g, 'smooth'), (t3, g, 'linear'),
                 (now, base, 'smooth')]
    p = keyframes(t, keys) + idle_motion(rng, t, 1.6)
    return _Out(*settle(p, body, facing, [(0, 'stance')], fps), {}, 0, t[-1])


def _walk(rng: Rng, body: Body, facing: float, t: np.ndarray, fps: float,
          variant: str) -> _Out:
    t0 = rng.uniform(0.1, 0.4 * t[-1]) if variant == 'start' else -1.0
    p = gait(rng, t, fps, standing_pose(rng), t0) + idle_motion(rng, t)
    return _Out(*settle(p, body, facing, [(0, 'plant')], fps), {},
                max(t0, 0.0), t[-1])


def _lower(rng: Rng, body: Body, facing: float, t: np.ndarray, fps: float,
           target: np.ndarray, dur: Tuple[float, float],
           back_up: float) -> Tuple[_Out, float, float]:
    """Stand, move to ``target`` in ``dur`` seconds, with probability
    ``back_up`` hold and stand up again. Also returns the time the target is
    reached and the hold time."""
    base, d, hold = standing_pose(rng), rng.uniform(*dur), rng.uniform(.2, 1.2)
    hi = min(max(0.1, 0.45 * t[-1] - d / 2), t[-1] - d - 0.1)
    t0 = rng.uniform(min(0.1, hi), hi)
    keys = [(t[0] - 1, base, 'linear'), (t0, base, 'linear'),
            (t0 + d, target, 'smooth')]
    t_end = t0 + d
    if rng.random() < back_up:
        t_end = t0 + 2 * d + hold
        keys += [(t0 + d + hold, target, 'linear'), (t_end, base, 'smooth')]
    p = keyframes(t, keys) + idle_motion(rng, t, 0.7)
    out = settle(p, body, facing, [(0, 'stance')], fps)
    return _Out(*out, {}, t0, t_end), t0 + d, hold


def _sit_down(rng: Rng, body: Body, facing: float, t: np.ndarray,
              fps: float, variant: str) -> _Out:
    s = np.zeros(POSE_DIM)
    s[TORSO], s[NECK] = deg(rng.uniform(-5, 12)), deg(rng.uniform(-5, 10))
    thigh = PI / 2 - deg(rng.uniform(-5, 10))  # about level on the seat
    s[HIPS] = s[TORSO] + PI - thigh + deg(rng.uniform(-4, 4, 2))
    s[KNEES] = PI - thigh + deg(rng.uniform(-15, 15, 2))
    set_arms(s, PI - deg(rng.uniform(-20, 30, 2)), deg(rng.uniform(40, 90, 2)))
    out, t_seat, _ = _lower(rng, body, facing, t, fps, s, (1.0, 1.8), 0.0)
    hip = out.joints[int(np.clip(round(t_seat * fps), 0, len(t) - 1)),
                     J['hip']]
    chair = {'kind': variant, 'x': float(hip[0]),
             'seat': float(hip[1] - 0.45 * body.leg_width),
             'depth': float(rng.uniform(0.38, 0.5)), 'facing': facing}
    return out._replace(props={'chair': chair})


def _crouch(rng: Rng, body: Body, facing: float, t: np.ndarray, fps: float,
            variant: str) -> _Out:
    c = np.zeros(POSE_DIM)
    c[TORSO], c[NECK] = deg(rng.uniform(15, 45)), deg(rng.uniform(-10, 10))
    c[KNEES] = deg(rng.uniform(100, 140)) + deg(rng.uniform(-5, 5, 2))
    c[HIPS] = c[TORSO] + c[KNEES] - deg(rng.uniform(10, 30))  # knees ahead
    set_arms(c, deg(rng.uniform(80, 150, 2)), deg(rng.uniform(10, 70, 2)))
    back_up = 1.0 if variant == 'return' else 0.0
    return _lower(rng, body, facing, t, fps, c, (0.6, 1.2), back_up)[0]


def _pick_up(rng: Rng, body: Body, facing: float, t: np.ndarray, fps: float,
             variant: str) -> _Out:
    b = np.zeros(POSE_DIM)
    b[TORSO], b[NECK] = deg(rng.uniform(55, 95)), deg(rng.uniform(0, 25))
    set_arms(b, PI - deg(rng.uniform(0, 20, 2)), deg(rng.uniform(0, 25, 2)))
    # Bend the knees just enough for a hand to reach the floor.
    knees = np.linspace(0, deg(110), 23)
    cand = np.repeat(b[None], len(knees), axis=0)
    cand[:, KNEES] = knees[:, None]
    cand[:, HIPS] = b[TORSO] + knees[:, None] / 2
    low = forward_kinematics(cand, body, facing)[..., 1] - body.joint_radii()
    hands = [J['l_hand'], J['r_hand']]
    reached = low[:, hands].min(1) - np.delete(low, hands, 1).min(1) < 0.02
    b = cand[int(np.argmax(reached)) if reached.any() else -1]
    out, t_low, hold = _lower(rng, body, facing, t, fps, b, (0.6, 1.1), 1.0)
    grab = int(np.clip(round((t_low + hold / 2) * fps), 0, len(t) - 1))
    size = float(rng.uniform(0.08, 0.16))
    pos = out.joints[:, J['r_hand']] - [0, size / 2]
    pos[:grab] = [pos[grab, 0], size / 2]  # on the floor until grabbed
    return out._replace(props={'object': {'pos': pos, 'size': size}})


def _lie_down(rng: Rng, body: Body, facing: float, t: np.ndarray,
              fps: float, variant: str) -> _Out:
    te, d = event_end(rng, t[-1] + 1 / fps)
    t0, kneel = te - d, variant == 'kneel'
    f1, f2 = (0.27, 0.28) if kneel else (0.42, 0.15)  # stage fractions
    t1 = t0 + rng.uniform(f1, f1 + 0.05) * d
    t2 = t1 + rng.uniform(f2, f2 + 0.05) * d
    base, final = standing_pose(rng), lying_pose(rng, head_forward=kneel)
    a, b = np.zeros(POSE_DIM), np.zeros(POSE_DIM)
    if kneel:  # kneel upright, hands to the floor, slide down prone
        a[TORSO] = deg(rng.uniform(0, 15))
        a[HIPS] = a[TORSO] + deg(rng.uniform(-5, 5, 2))
        a[KNEES] = deg(rng.uniform(85, 95, 2))
        set_arms(a, PI - deg(rng.uniform(0, 30, 2)),
                 deg(rng.uniform(10, 40, 2)))
        b[:] = a
        b[TORSO], b[NECK] = deg(rng.uniform(65, 80)), deg(rng.uniform(-25, 0))
        b[HIPS] = b[TORSO] + deg(rng.uniform(-5, 5, 2))
        set_arms(b, PI - deg(rng.uniform(5, 20, 2)),
                 deg(rng.uniform(0, 15, 2)))
    else:  # sit down on the floor, recline on the hands, lie back
        x = deg(rng.uniform(15, 35))  # knees up, feet on the floor
        thigh, shin = PI / 2 - x, PI / 2 + np.arcsin(0.9 * np.sin(x))
        for q, torso, arm in ((a, (5, 25), (15, 35)), (b, (-45, -30),
                                                       (35, 60))):
            q[TORSO] = deg(rng.uniform(*torso))
            q[HIPS], q[KNEES] = q[TORSO] + PI - thigh, shin - thigh
            set_arms(q, PI + deg(rng.uniform(*arm, 2)),
                     deg(rng.uniform(0, 20, 2)))
    # Decelerating into each support keeps the height change controlled.
    keys = [(t[0] - 1, base, 'linear'), (t0, base, 'linear'), (t1, a, 'out'),
            (t2, b, 'smooth'), (te, final, 'out')]
    p = keyframes(t, keys) + idle_motion(rng, t, 1 - 0.7 * ease(
        (t - te) / 0.3))
    modes = [(0, 'stance'), (int(np.ceil(t1 * fps)),
                             'l_knee' if kneel else 'hip')]
    return _Out(*settle(p, body, facing, modes, fps), {}, t0, te, te)


def _fall(rng: Rng, body: Body, facing: float, t: np.ndarray, fps: float,
          variant: str) -> _Out:
    te, _ = event_end(rng, t[-1] + 1 / fps)
    d = rng.uniform(0.4, 0.8)
    t0 = te - d
    head_forward = {'forward': True, 'walk_trip': True, 'backward': False,
                    'walk_slip': False}.get(variant, rng.random() < 0.5)
    base, final = standing_pose(rng), lying_pose(rng, bool(head_forward))
    walking = variant.startswith('walk')
    pre = (gait(rng, t, fps, base) if walking else
           np.repeat(base[None], len(t), axis=0))
    i0 = int(np.clip(np.ceil(t0 * fps), 0, len(t) - 1))
    react = final.copy()  # limbs mid-fall; the torso has its own profile
    sh, el, hip, knee = (deg(rng.uniform(*r, 2)) for r in REACTIONS[variant])
    react[ARMS], react[HIPS], react[KNEES] = np.r_[sh, el], hip, knee
    p, m = pre.copy(), t >= t0
    p[m] = keyframes(t[m], [(t0, pre[i0], 'linear'),
                            (t0 + rng.uniform(0.45, 0.6) * d, react,
                             'smooth'), (te, final, 'smooth')])
    # The torso topples with accelerating speed, in a collapse after the
    # knees have buckled.
    delay = rng.uniform(0.2, 0.35) if variant == 'sideways' else 0.0
    topple = ease(((t - t0) / d - delay) / (1 - delay), rng.uniform(1.8, 2.6))
    p[m, TORSO] = pre[i0, TORSO] + (final[TORSO] - pre[i0, TORSO]) * topple[m]
    p += idle_motion(rng, t, 1 - 0.7 * ease((t - te) / 0.3))
    bounce = np.clip((t - te) / rng.uniform(0.1, 0.2), 0, 1)
    lift = rng.uniform(0.015, 0.05) * np.sin(PI * bounce)
    modes = [(0, 'stance')]
    if walking:
        modes = [(0, 'plant'), (i0, 'glide' if 'slip' in variant else
                                'stance')]
    return _Out(*settle(p, body, facing, modes, fps, lift), {}, t0, te, te)


PROGRAMS = {'walk': _walk, 'stand': _stand, 'sit_down': _sit_down,
            'pick_up': _pick_up, 'crouch': _crouch, 'lie_down': _lie_down,
            'fall': _fall}


def make_trajectory(action: str,
                    rng: np.random.Generator,
                    num_frames: int = 48,
                    fps: float = 15.0,
                    variant: Optional[str] = None,
                    body: Optional[Body] = None) -> Trajectory:
    """Runs the action program for one clip.

    Args:
        action (str): One of :data:`CLASSES`.
        rng (np.random.Generator): Random generator (the only randomness).
        num_frames (int): Number of frames ``T``. Defaults to 48.
        fps (float): Frame rate. Defaults to 15.
        variant (str, optional): One of ``VARIANTS[action]``; drawn at
            random if None. Defaults to None.
        body (Body, optional): Body parameters; sampled if None.
            Defaults to None.

    Returns:
        Trajectory: Poses ``(T, POSE_DIM)``, joints ``(T, NUM_JOINTS, 2)``,
        props and event frames.
    """
    if action not in CLASSES:
        raise ValueError(f'action must be one of {CLASSES}, got {action!r}')
    if variant is None:
        variant = VARIANTS[action][int(rng.integers(len(VARIANTS[action])))]
    elif variant not in VARIANTS[action]:
        raise ValueError(f'variant for {action!r} must be one of '
                         f'{VARIANTS[action]}, got {variant!r}')
    if int(num_frames) < 2 or fps <= 0:
        raise ValueError(f'num_frames must be >= 2 and fps > 0, got '
                         f'{num_frames} and {fps}')
    body = sample_body(rng) if body is None else body
    facing = float(rng.choice((-1.0, 1.0)))
    t = np.arange(int(num_frames)) / fps
    out = PROGRAMS[action](rng, body, facing, t, fps, variant)

    def frame(sec: Optional[float]) -> Optional[int]:
        if sec is None:
            return None
        return int(np.clip(round(sec * fps), 0, num_frames - 1))

    fall = action == 'fall'
    meta = {'event_start': frame(out.start), 'event_end': frame(out.end),
            'lying_from': frame(out.lying_from),
            'fall_start': frame(out.start) if fall else None,
            'fall_end': frame(out.end) if fall else None}
    return Trajectory(action, variant, facing, body, out.poses, out.joints,
                      out.props, meta)
