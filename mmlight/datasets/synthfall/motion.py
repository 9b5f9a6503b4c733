"""Kinematics toolkit for the action programs: easing, keyframes, idle
motion, gait, the shared lying pose and floor contact (pure numpy).

Angles follow :mod:`.skeleton`; times are in seconds and ``t`` is the frame
time vector, shape ``(T,)``.
"""
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from .skeleton import (J, L_EL, L_HIP, L_KNEE, L_SH, NECK, POSE_DIM, R_EL,
                       R_HIP, R_KNEE, R_SH, TORSO, X, Y, Body,
                       floor_clearance, forward_kinematics)

PI = np.pi
deg = np.deg2rad
Key = Tuple[float, np.ndarray, Union[str, float]]


def ease(s: np.ndarray, kind: Union[str, float] = 'smooth') -> np.ndarray:
    """Easing of ``s`` clipped to [0, 1]: ``'smooth'`` (in-out), ``'out'``
    (decelerating), ``'linear'``, or a number: an accelerating power law."""
    s = np.clip(s, 0.0, 1.0)
    if kind == 'smooth':
        return s * s * (3 - 2 * s)
    if kind == 'out':
        return 1 - (1 - s)**2
    return s if kind == 'linear' else s**float(kind)


def keyframes(t: np.ndarray, keys: Sequence[Key]) -> np.ndarray:
    """Interpolates ``(time, pose, ease)`` keys at times ``t``.

    The ease of a key shapes the segment that ends at it; poses hold before
    the first key and after the last.

    Returns:
        np.ndarray: Poses, shape ``(T, POSE_DIM)``.
    """
    out = np.repeat(keys[0][1][None], len(t), axis=0)
    for (t0, p0, _), (t1, p1, kind) in zip(keys[:-1], keys[1:]):
        m = t >= t0
        e = ease((t[m] - t0) / max(t1 - t0, 1e-6), kind)
        out[m] = p0 + e[:, None] * (p1 - p0)
    return out


def idle_motion(rng: np.random.Generator, t: np.ndarray,
                amp: Union[float, np.ndarray] = 1.0) -> np.ndarray:
    """Sway, breathing and head motion offsets, shape ``(T, POSE_DIM)``;
    ``amp`` scales them, per frame if an array ``(T,)``."""
    d = np.zeros((len(t), POSE_DIM))
    ph = rng.uniform(0, 2 * PI, 3)
    sway = deg(1.2) * np.sin(2 * PI * rng.uniform(0.15, 0.35) * t + ph[0])
    d[:, [TORSO, L_HIP, R_HIP, L_SH, R_SH]] = sway[:, None]  # limbs hang
    d[:, NECK] = deg(3) * np.sin(2 * PI * rng.uniform(0.1, 0.3) * t + ph[1])
    breath = np.sin(2 * PI * rng.uniform(0.2, 0.35) * t + ph[2])[:, None]
    d[:, [L_SH, R_SH]] += deg(1.5) * breath
    d[:, [L_EL, R_EL]] += deg(3) * breath
    return d * np.reshape(amp, (-1, 1))


def settle(poses: np.ndarray,
           body: Body,
           facing: float,
           modes: Sequence[Tuple[int, Any]],
           fps: float,
           lift: Optional[np.ndarray] = None
           ) -> Tuple[np.ndarray, np.ndarray]:
    """Puts the body on the floor and resolves the root x phase by phase.

    Args:
        poses (np.ndarray): Poses, shape ``(T, POSE_DIM)``; ``X`` is the
            programmed root x used by ``None`` phases, ``Y`` is ignored.
        body (Body): Body parameters.
        facing (float): Facing direction.
        modes (Sequence[tuple]): ``(start_frame, mode)`` pairs in frame
            order. ``'plant'`` keeps the backward-moving ankle fixed
            (walking), ``'glide'`` continues the previous velocity with
            decay (slipping), ``'stance'`` anchors the lower ankle, a joint
            name anchors that joint, ``None`` follows the programmed x. Each
            phase starts where the previous one ended.
        fps (float): Frames per second.
        lift (np.ndarray, optional): Extra root height ``(T,)``, e.g. a
            bounce. Defaults to None.

    Returns:
        tuple: Poses ``(T, POSE_DIM)`` and joints ``(T, NUM_JOINTS, 2)``.
    """
    n = len(poses)
    given, p = poses[:, X].copy(), poses.copy()
    p[:, [X, Y]] = 0
    rel = forward_kinematics(p, body, facing)
    y = -floor_clearance(rel, body) + (0 if lift is None else lift)
    x = np.zeros(n)
    ankles = np.array([J['l_ankle'], J['r_ankle']])
    ends = [m[0] for m in modes[1:]] + [n]
    for (s, mode), e in zip(modes, ends):
        s, e = int(np.clip(s, 0, n)), int(np.clip(e, 0, n))
        if s >= e:
            continue
        k, ref = np.arange(s, e), max(s - 1, 0)
        prev = x[s - 1] if s > 0 else given[0]
        if mode == 'plant':  # the foot moving backward is on the floor
            before = rel[np.maximum(k - 1, 0)]
            step = rel[k][:, ankles, 0] - before[:, ankles, 0]
            x[s:e] = prev - facing * np.cumsum((facing * step).min(axis=1))
        elif mode == 'glide':
            v = x[s - 1] - x[s - 2] if s >= 2 else 0.0
            decay = np.exp(-(k - s + 1) / (0.25 * fps))
            x[s:e] = prev + v * np.cumsum(decay)
        elif mode is None:
            x[s:e] = prev + given[s:e] - given[ref]
        else:
            j = (ankles[np.argmin(rel[ref, ankles, 1])]
                 if mode == 'stance' else J[mode])
            x[s:e] = prev + rel[ref, j, 0] - rel[k, j, 0]
    out = poses.copy()
    out[:, X], out[:, Y] = x, y
    return out, rel + np.stack([x, y], axis=1)[:, None, :]


def gait(rng: np.random.Generator,
         t: np.ndarray,
         fps: float,
         base: np.ndarray,
         t_start: float = -1.0) -> np.ndarray:
    """Walking joint angles with variable cadence and stride.

    Args:
        rng (np.random.Generator): Random generator.
        t (np.ndarray): Frame times ``(T,)``.
        fps (float): Frame rate.
        base (np.ndarray): Standing pose ``(POSE_DIM,)`` to walk from.
        t_start (float): Walking ramps up from this time. Defaults to -1.

    Returns:
        np.ndarray: Poses ``(T, POSE_DIM)``; root x comes from
        :func:`settle` with mode ``'plant'``.
    """
    cad = rng.uniform(0.7, 1.0) * (
        1 + 0.08 * np.sin(2 * PI * rng.uniform(0.1, 0.3) * t))
    ph = 2 * PI * np.cumsum(cad) / fps + rng.uniform(0, 2 * PI)
    w = ease((t - t_start) / rng.uniform(0.4, 0.7))
    amp_hip, amp_knee = deg(rng.uniform(14, 24)), deg(rng.uniform(45, 62))
    amp_arm = deg(rng.uniform(12, 25))
    p = np.repeat(base[None], len(t), axis=0)
    lean = w * deg(rng.uniform(3, 8))
    p[:, [TORSO, L_SH, R_SH, L_HIP, R_HIP]] += lean[:, None]
    for sh, el, hip, knee, off in ((L_SH, L_EL, L_HIP, L_KNEE, 0.0),
                                   (R_SH, R_EL, R_HIP, R_KNEE, PI)):
        q = ph + off
        p[:, hip] += w * (amp_hip * np.sin(q) + deg(3))
        # The knee bends only while the leg swings forward, so the foot
        # moving backward is the one on the floor.
        swing = np.clip(np.cos(q + 0.1), 0, None)**2
        p[:, knee] += w * (deg(4) + amp_knee * swing)
        p[:, sh] -= w * amp_arm * np.sin(q)
        p[:, el] += w * deg(12) * np.clip(-np.sin(q), 0, None)
    return p


def lying_pose(rng: np.random.Generator, head_forward: bool) -> np.ndarray:
    """Samples a pose lying flat on the floor, shape ``(POSE_DIM,)``.

    Shared by 'lie_down' and 'fall' so that their final frames match in
    distribution. Limbs are drawn as world angles along the body line so
    that nothing pokes into the floor.

    Args:
        rng (np.random.Generator): Random generator.
        head_forward (bool): Prone with the head in the facing direction if
            True, otherwise supine with the head behind.

    Returns:
        np.ndarray: Pose vector with the root at the origin.
    """
    p = np.zeros(POSE_DIM)
    sg = 1.0 if head_forward else -1.0
    p[TORSO] = sg * (PI / 2 + deg(rng.uniform(-4, 4)))
    p[NECK] = sg * deg(rng.uniform(-12, 4))
    # World angles along the floor: 3pi/2 points backward, pi/2 forward;
    # +a tilts the first upward, -a the second.
    feet, head = (1.5 * PI, 0.5 * PI) if head_forward else (0.5 * PI, 1.5 * PI)
    for sh, el, hip, knee in ((L_SH, L_EL, L_HIP, L_KNEE),
                              (R_SH, R_EL, R_HIP, R_KNEE)):
        along = head if rng.random() < 0.35 else feet  # arms overhead/down
        bend = deg(rng.uniform(0, 15))
        up = 1 if along > PI else -1
        arm = along + up * (bend / 2 + deg(rng.uniform(0, 6)))
        p[sh], p[el] = p[TORSO] + PI - arm, bend
        if head_forward:  # prone: thighs flat, feet may lift
            thigh = feet + deg(rng.uniform(0, 4))
            shin = feet + deg(rng.uniform(0, 25))
        else:  # supine: knees may rise, feet stay on the floor
            a = deg(rng.uniform(0, 30))
            thigh, shin = feet - a, feet + np.arcsin(0.9 * np.sin(a))
        p[hip], p[knee] = p[TORSO] + PI - thigh, shin - thigh
    return p


def event_end(rng: np.random.Generator, dur: float) -> Tuple[float, float]:
    """End time of a lie-down or fall (one distribution for both) in a clip
    of ``dur`` seconds, and a lie-down duration in [1.5, 3] s. The start
    may be negative: the clip then opens mid-motion."""
    slow = rng.uniform(1.5, 3.0)
    hi = 0.92 * dur
    return rng.uniform(min(slow + 0.15, hi), hi), slow


def set_arms(p: np.ndarray, world: Sequence[float],
             bend: Sequence[float]) -> None:
    """Sets both arms of ``p`` in place: upper arms at absolute angles
    ``world`` (for the torso angle already in ``p``), elbows flexed by
    ``bend``."""
    for (sh, el), w, b in zip(((L_SH, L_EL), (R_SH, R_EL)), world, bend):
        p[sh], p[el] = p[TORSO] + PI - w, b
