"""Articulated 2D human body and its forward kinematics (pure numpy).

World coordinates are metres in the image plane: ``x`` runs along the floor,
``y`` points up and the floor is ``y = 0``. A pose is a vector of
:data:`POSE_DIM` numbers: the root (pelvis) position, then angles in radians.

An absolute angle ``phi`` points along ``(facing * sin(phi), cos(phi))``:
``0`` is straight up, ``+pi/2`` horizontal in the facing direction. The
torso angle is absolute (``+pi/2`` lying prone with the head in front,
``-pi/2`` supine with the head behind); the others are flexions relative to
the parent segment: shoulders and hips flex forward from hanging along the
torso, elbows bend forward, knees backward.
"""
from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

# Pose vector layout.
(X, Y, TORSO, NECK, L_SH, L_EL, R_SH, R_EL, L_HIP, L_KNEE, R_HIP,
 R_KNEE) = range(12)
POSE_DIM = 12

JOINTS: Tuple[str, ...] = ('hip', 'neck', 'head', 'l_elbow', 'l_hand',
                           'r_elbow', 'r_hand', 'l_knee', 'l_ankle',
                           'r_knee', 'r_ankle', 'l_toe', 'r_toe')
J = {name: i for i, name in enumerate(JOINTS)}
NUM_JOINTS = len(JOINTS)
# Joints that can rest on the floor. Hands are left out: a hand below the
# contact line reads as a hand on the floor nearer the camera, whereas
# letting hands lift the body makes it hover and jerk.
SUPPORT = np.array([i for i, n in enumerate(JOINTS)
                    if 'elbow' not in n and 'hand' not in n])

# Limbs as (from joint, to joint, body part for radius and colour), in
# drawing order: the far side (``l_*``) first, then torso, the near side.
SEGMENTS: Tuple[Tuple[str, str, str], ...] = (
    ('neck', 'l_elbow', 'upper_arm'), ('l_elbow', 'l_hand', 'forearm'),
    ('hip', 'l_knee', 'thigh'), ('l_knee', 'l_ankle', 'shin'),
    ('l_ankle', 'l_toe', 'foot'), ('hip', 'neck', 'torso'),
    ('hip', 'r_knee', 'thigh'), ('r_knee', 'r_ankle', 'shin'),
    ('r_ankle', 'r_toe', 'foot'), ('neck', 'r_elbow', 'upper_arm'),
    ('r_elbow', 'r_hand', 'forearm'))


@dataclass(frozen=True)
class Body:
    """Body size parameters, lengths in metres.

    Args:
        height (float): Standing height. Defaults to 1.75.
        torso (float): Pelvis to shoulder line. Defaults to 0.525.
        neck (float): Shoulder line to the bottom of the head.
            Defaults to 0.07.
        head (float): Head radius. Defaults to 0.114.
        upper_arm (float): Shoulder to elbow. Defaults to 0.30.
        forearm (float): Elbow to fingertips. Defaults to 0.27.
        thigh (float): Hip to knee. Defaults to 0.43.
        shin (float): Knee to ankle, with the ankle height. Defaults to 0.43.
        foot (float): Ankle to toe. Defaults to 0.21.
        torso_width (float): Torso thickness seen from the side.
            Defaults to 0.25.
        arm_width (float): Upper arm thickness; the forearm is 80% of it.
            Defaults to 0.09.
        leg_width (float): Thigh thickness; the shin is 75% of it.
            Defaults to 0.14.
        view_width (float): Sideways offset of the near and far limbs as a
            fraction of the torso width; 0 is a pure profile.
            Defaults to 0.1.
    """

    height: float = 1.75
    torso: float = 0.525
    neck: float = 0.07
    head: float = 0.114
    upper_arm: float = 0.30
    forearm: float = 0.27
    thigh: float = 0.43
    shin: float = 0.43
    foot: float = 0.21
    torso_width: float = 0.25
    arm_width: float = 0.09
    leg_width: float = 0.14
    view_width: float = 0.1

    def radii(self) -> Dict[str, float]:
        """Half thickness of each body part, for drawing and contact."""
        return {'torso': self.torso_width / 2, 'head': self.head,
                'upper_arm': self.arm_width / 2,
                'forearm': 0.4 * self.arm_width,
                'thigh': self.leg_width / 2, 'shin': 0.375 * self.leg_width,
                'foot': 0.25 * self.leg_width}

    def joint_radii(self) -> np.ndarray:
        """Body radius around each joint, shape ``(NUM_JOINTS,)``."""
        r = self.radii()
        part = {'hip': 'thigh', 'neck': 'torso', 'head': 'head',
                'elbow': 'upper_arm', 'hand': 'forearm', 'knee': 'shin',
                'ankle': 'foot', 'toe': 'foot'}
        out = [r[part[n.split('_')[-1]]] for n in JOINTS]
        out[J['l_toe']] = out[J['r_toe']] = 0.5 * r['foot']
        return np.array(out)


def sample_body(rng: np.random.Generator) -> Body:
    """Draws a random teen or adult body.

    Args:
        rng (np.random.Generator): Random generator.

    Returns:
        Body: Height in [1.5, 1.95] m; segments scale with it and each
        proportion varies by up to 6%; a build factor sets the thickness.
    """
    h = rng.uniform(1.5, 1.95)
    base = {'torso': 0.30, 'neck': 0.04, 'head': 0.065, 'upper_arm': 0.172,
            'forearm': 0.155, 'thigh': 0.245, 'shin': 0.245, 'foot': 0.12}
    lengths = {k: h * v * rng.uniform(0.94, 1.06) for k, v in base.items()}
    build = rng.uniform(0.85, 1.3)
    return Body(height=h, torso_width=0.14 * h * build,
                arm_width=0.05 * h * build, leg_width=0.078 * h * build,
                view_width=rng.uniform(0.0, 0.35), **lengths)


def _dir(phi: np.ndarray, facing: float) -> np.ndarray:
    """Unit vectors for absolute angles ``phi`` ``(...,)`` -> ``(..., 2)``."""
    return np.stack([facing * np.sin(phi), np.cos(phi)], axis=-1)


def _foot_angle(shin: np.ndarray, thigh: np.ndarray) -> np.ndarray:
    """Absolute foot angle: flat when standing or squatting, toes down at
    push-off, in line with the shin when kneeling or prone, relaxed (toes up)
    when supine."""
    s, th = np.mod(shin, 2 * np.pi), np.mod(thigh, 2 * np.pi)
    w_back = np.clip((s - 1.3 * np.pi) / (0.15 * np.pi), 0, 1)
    w_back = w_back * w_back * (3 - 2 * w_back)
    w_fwd = np.clip((np.pi - s) / (np.pi / 2), 0, 1)
    flat = (np.pi / 2 - w_fwd * (np.pi / 2 - 0.3) +
            1.2 * np.clip(th - 1.05 * np.pi, 0, 0.5))
    # Turning from flat to in-line goes through toes-up, not into the floor.
    return (1 - w_back) * flat + w_back * (s - 2 * np.pi)


def forward_kinematics(poses: np.ndarray,
                       body: Body,
                       facing: float = 1.0) -> np.ndarray:
    """Computes 2D joint positions from poses.

    Args:
        poses (np.ndarray): Pose vectors, shape ``(..., POSE_DIM)``.
        body (Body): Body size parameters.
        facing (float): ``+1`` faces +x (right), ``-1`` faces -x.
            Defaults to 1.

    Returns:
        np.ndarray: Joint positions in metres, shape
        ``(..., NUM_JOINTS, 2)``, ordered as :data:`JOINTS`.
    """
    if facing not in (1, -1):
        raise ValueError(f'facing must be +1 or -1, got {facing}')
    p = np.asarray(poses, dtype=np.float64)
    t = p[..., TORSO]
    hip = p[..., [X, Y]]
    up = _dir(t, facing)
    # Near limbs attach a little forward of the far ones (three-quarter view).
    side = np.stack([up[..., 1], -up[..., 0]], axis=-1)
    side = side * (facing * body.view_width * body.torso_width / 2)
    neck = hip + body.torso * up
    out = {'hip': hip, 'neck': neck,
           'head': neck + (body.neck + body.head) * _dir(t + p[..., NECK],
                                                         facing)}
    for s, sh, el, hp, kn, sgn in (('l', L_SH, L_EL, L_HIP, L_KNEE, -1.0),
                                   ('r', R_SH, R_EL, R_HIP, R_KNEE, 1.0)):
        upper = t + np.pi - p[..., sh]
        elbow = neck + sgn * side + body.upper_arm * _dir(upper, facing)
        out[f'{s}_elbow'] = elbow
        out[f'{s}_hand'] = elbow + body.forearm * _dir(upper - p[..., el],
                                                       facing)
        thigh = t + np.pi - p[..., hp]
        knee = hip + sgn * side + body.thigh * _dir(thigh, facing)
        shin = thigh + p[..., kn]
        ankle = knee + body.shin * _dir(shin, facing)
        out[f'{s}_knee'], out[f'{s}_ankle'] = knee, ankle
        out[f'{s}_toe'] = ankle + body.foot * _dir(_foot_angle(shin, thigh),
                                                   facing)
    return np.stack([out[n] for n in JOINTS], axis=-2)


def floor_clearance(joints: np.ndarray, body: Body) -> np.ndarray:
    """Height of the lowest supporting body surface (see :data:`SUPPORT`).

    Args:
        joints (np.ndarray): Joint positions, shape ``(..., NUM_JOINTS, 2)``.
        body (Body): Body size parameters.

    Returns:
        np.ndarray: Clearance in metres, shape ``(...)``; negative means the
        body penetrates the floor.
    """
    radii = body.joint_radii()[SUPPORT]
    return (joints[..., SUPPORT, 1] - radii).min(axis=-1)


def standing_pose(rng: np.random.Generator) -> np.ndarray:
    """A relaxed standing pose with small variations, ``(POSE_DIM,)``."""
    p = np.zeros(POSE_DIM)
    p[TORSO] = np.deg2rad(rng.uniform(-2, 5))
    p[NECK] = np.deg2rad(rng.uniform(-5, 8))
    p[[L_SH, R_SH]] = p[TORSO] + np.deg2rad(rng.uniform(-8, 12, 2))
    p[[L_EL, R_EL]] = np.deg2rad(rng.uniform(5, 30, 2))
    stance = np.deg2rad(rng.uniform(0, 10))  # one foot a little ahead
    p[L_HIP], p[R_HIP] = p[TORSO] + stance / 2, p[TORSO] - stance / 2
    p[[L_KNEE, R_KNEE]] = np.deg2rad(rng.uniform(0, 8, 2))
    return p
