"""Pinhole camera and OpenCV drawing helpers for SynthFall.

The camera is level: world ``x`` (metres along the floor) and ``y`` (height)
at depth ``z`` project to ``u = W/2 + f (x - x_axis) / z`` and
``v = horizon + f (cam_h - y) / z``. The person moves in the plane
``z = Camera.depth``; walls, floor texture and furniture sit at other depths,
which gives the floor its perspective. Colours are RGB floats in 0-255.
"""
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np

SHIFT = 4  # sub-pixel bits for OpenCV drawing
Color = Tuple[float, float, float]


def fixed(pts: np.ndarray) -> np.ndarray:
    """Pixel coordinates ``(..., 2)`` to OpenCV fixed point (:data:`SHIFT`)."""
    return np.round(np.asarray(pts) * (1 << SHIFT)).astype(np.int32)


def random_color(rng: np.random.Generator,
                 sat: Tuple[float, float] = (0.1, 0.5),
                 val: Tuple[float, float] = (0.4, 0.95),
                 hue: Tuple[float, float] = (0, 180)) -> Color:
    """An RGB colour drawn from ranges of OpenCV HSV (hue in 0-180)."""
    hsv = np.uint8([[[
        rng.uniform(*hue),
        rng.uniform(*sat) * 255,
        rng.uniform(*val) * 255
    ]]])
    return tuple(float(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0])


def shade(c: Sequence[float], k: float) -> Color:
    """Scales a colour by ``k``, clipped to 0-255."""
    return tuple(min(max(float(v) * k, 0.0), 255.0) for v in c)


@dataclass(frozen=True)
class Camera:
    """Level pinhole camera; see the module docstring for the projection.

    Attributes:
        width (int): Image width in pixels.
        height (int): Image height in pixels.
        focal (float): Focal length in pixels.
        cam_h (float): Camera height above the floor in metres.
        depth (float): Depth of the person's plane in metres.
        x_axis (float): World x on the optical axis.
        horizon (float): Image row of the horizon.
    """

    width: int
    height: int
    focal: float
    cam_h: float
    depth: float
    x_axis: float
    horizon: float

    @property
    def scale(self) -> float:
        """Pixels per metre in the person's plane."""
        return self.focal / self.depth

    def project(self,
                pts: np.ndarray,
                depth: Optional[Union[float, np.ndarray]] = None
                ) -> np.ndarray:
        """World points ``(..., 2)`` to pixels ``(..., 2)``.

        ``depth`` (a float or an array broadcasting with ``pts[..., 0]``)
        defaults to the person's plane.
        """
        z = self.depth if depth is None else depth
        pts = np.asarray(pts, dtype=np.float64)
        u = self.width / 2 + self.focal * (pts[..., 0] - self.x_axis) / z
        v = self.horizon + self.focal * (self.cam_h - pts[..., 1]) / z
        return np.stack([u, v], -1)

    def x_range(self, depth: float, pad: float = 0.0) -> Tuple[float, float]:
        """World x seen at ``depth``, widened by ``pad`` pixels each side."""
        half = (self.width / 2 + pad) * depth / self.focal
        return self.x_axis - half, self.x_axis + half


def box(imgs: Sequence[np.ndarray], cam: Camera, x0: float, y0: float,
        x1: float, y1: float, colors: Sequence,
        depth: Optional[float] = None) -> None:
    """Fills the world rectangle ``[x0, x1] x [y0, y1]`` at ``depth``.

    Draws on each image in ``imgs`` with the matching colour, e.g. a colour
    layer and its alpha mask.
    """
    quad = cam.project([[x0, y0], [x0, y1], [x1, y1], [x1, y0]], depth)
    for img, c in zip(imgs, colors):
        cv2.fillConvexPoly(img, fixed(quad), c, cv2.LINE_AA, SHIFT)


def fit_camera(rng: np.random.Generator,
               width: int,
               height: int,
               joints: np.ndarray,
               body_height: float,
               extra_x: Sequence[float] = (),
               keep: float = 1.0,
               room: Optional[np.random.Generator] = None,
               cam_h: Tuple[float, float] = (0.9, 1.9),
               person_scale: Tuple[float, float] = (0.45, 0.8),
               floor: Tuple[float, float] = (0.8, 0.95)) -> Camera:
    """Random camera that keeps the motion in frame.

    Args:
        rng (np.random.Generator): Random generator.
        width (int): Image width.
        height (int): Image height.
        joints (np.ndarray): World joints over the clip, shape ``(T, J, 2)``.
        body_height (float): Standing height; the person is drawn
            ``person_scale`` of the image height tall when the motion
            allows.
        extra_x (Sequence[float]): More world x to keep visible (props).
            Defaults to ().
        keep (float): Fraction of the horizontal path that must be in view;
            with ``keep < 1`` a walker enters or leaves the frame.
            Defaults to 1.
        room (np.random.Generator, optional): Generator of a fixed room:
            when given, it draws the mounting of the camera (floor line,
            focal length, height), so every clip of the room shares them;
            the person's distance and place still vary per clip. Defaults to
            None (all from ``rng``).
        cam_h (tuple): Range of the camera's height in metres. Defaults to
            (0.9, 1.9).
        person_scale (tuple): Range of the standing person's height as a
            fraction of the image height. Defaults to (0.45, 0.8).
        floor (tuple): Range of the image row of the person's floor line,
            as a fraction of the image height. Defaults to (0.8, 0.95).

    Returns:
        Camera: The fitted camera.
    """
    room_rng = rng if room is None else room
    xs = np.concatenate([joints[..., 0].ravel(), np.asarray(extra_x, float)])
    mid, half = (xs.min() + xs.max()) / 2, keep * np.ptp(xs) / 2
    x0, x1 = mid - half - 0.15, mid + half + 0.15
    top = joints[..., 1].max() + 0.15
    floor_v = room_rng.uniform(*floor) * height
    scale = min(rng.uniform(*person_scale) * height / body_height,
                (floor_v - 0.03 * height) / top, 0.94 * width / (x1 - x0))
    focal = room_rng.uniform(0.7, 1.1) * width
    cam_h = room_rng.uniform(*cam_h)
    slack = max(0.0, 0.94 * width - scale * (x1 - x0))
    left = 0.03 * width + rng.uniform(0, slack)
    return Camera(width, height, focal, cam_h, focal / scale,
                  x0 - (left - width / 2) / scale, floor_v - scale * cam_h)
