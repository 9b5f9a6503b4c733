"""Procedural rooms for SynthFall: a back wall (paint, stripes, plaster or
wainscot, with windows, pictures and doors), a floor in perspective (wood
planks, tiles or carpet) and furniture (chairs, tables, sofas, boxes).
Images are RGB uint8, drawn with OpenCV."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from .camera import SHIFT, Camera, Color, box, fixed, random_color, shade

AA = cv2.LINE_AA


def _noise(rng: np.random.Generator, region: np.ndarray, cell: int,
           amp: float) -> None:
    """Adds smooth luminance noise with ``cell``-pixel blobs in place."""
    h, w = region.shape[:2]
    if h and w:
        n = rng.standard_normal((max(2, h // cell), max(2, w // cell)),
                                dtype=np.float32)
        n = cv2.resize(n, (w, h), interpolation=cv2.INTER_CUBIC)[..., None]
        region[:] = np.clip(region + amp * n, 0, 255).astype(np.uint8)


def _floor(rng: np.random.Generator, img: np.ndarray, cam: Camera,
           z_wall: float) -> None:
    """Wood (rows of boards with staggered joints), tiles (grid, maybe a
    checker) or carpet from the wall base to the image bottom."""
    v_wall = int(cam.project([0, 0], z_wall)[1])
    z_near = cam.focal * cam.cam_h / max(img.shape[0] - cam.horizon, 1.0)
    style = rng.choice(['wood', 'tiles', 'carpet'], p=[0.45, 0.35, 0.2])
    if style == 'wood':
        base = random_color(rng, (0.3, 0.65), (0.3, 0.8), (8, 22))
        row, col = rng.uniform(0.1, 0.2), rng.uniform(0.8, 1.8)
    elif style == 'tiles':
        base = random_color(rng, (0.0, 0.35), (0.5, 0.95))
        row = col = rng.uniform(0.3, 0.6)
    else:
        base, row, col = random_color(rng, (0.1, 0.5), (0.25, 0.7)), 0, 0
    img[v_wall:] = base
    if row > 0:
        seam, alt = shade(base, 0.6), shade(base, rng.uniform(0.75, 0.95))
        checker = style == 'tiles' and rng.random() < 0.4
        zs = np.arange(z_wall, z_near - row, -row)
        rows = fixed(cam.project(np.zeros((len(zs), 2)), zs)[:, 1])
        right = img.shape[1] << SHIFT

        def edge(xs: np.ndarray, z: float) -> np.ndarray:
            return fixed(cam.project(np.stack([xs, 0 * xs], -1), z))

        for i, (za, zb) in enumerate(zip(zs[:-1], zs[1:])):
            lo, hi = cam.x_range(za, pad=4)
            off = rng.uniform(0, col) if style == 'wood' else 0.0
            xs = np.arange(np.floor((lo - off) / col) * col + off, hi + col,
                           col)
            pa, pb = edge(xs, za), edge(xs, zb)
            if style == 'wood':  # a row of boards: own shade, joints
                v0, v1 = rows[i] >> SHIFT, (rows[i + 1] >> SHIFT) + 1
                img[v0:v1] = shade(base, rng.uniform(0.88, 1.12))
                for a, b in zip(pa, pb):
                    cv2.line(img, a.tolist(), b.tolist(), seam, 1, AA, SHIFT)
            elif checker:
                k0 = int(round(xs[0] / col))
                for j in range((i + k0) % 2, len(xs) - 1, 2):
                    quad = np.stack([pa[j], pa[j + 1], pb[j + 1], pb[j]])
                    cv2.fillConvexPoly(img, quad, alt, AA, SHIFT)
            cv2.line(img, (0, int(rows[i])), (right, int(rows[i])), seam, 1,
                     AA, SHIFT)
        if style == 'tiles':  # joints converge to the vanishing point
            lo, hi = cam.x_range(z_wall, pad=4)
            xs = np.arange(np.floor(lo / col) * col, hi + col, col)
            for a, b in zip(edge(xs, z_wall), edge(xs, z_near)):
                cv2.line(img, a.tolist(), b.tolist(), seam, 1, AA, SHIFT)
    _noise(rng, img[v_wall:], 4 if style == 'carpet' else 2,
           rng.uniform(4, 12))


def _wall(rng: np.random.Generator, img: np.ndarray, cam: Camera,
          z_wall: float, real: Optional[np.ndarray]) -> None:
    """Paints the back wall above its base line, with decorations."""
    v_wall = max(int(cam.project([0, 0], z_wall)[1]), 1)
    base = random_color(rng, (0.03, 0.45), (0.45, 0.95))
    img[:v_wall] = base
    style, k = rng.integers(4), cam.focal / z_wall  # k: pixels per metre
    if real is not None:
        img[:v_wall] = cv2.resize(real, (img.shape[1], v_wall))
    elif style == 0:  # paint lit from above or below
        ramp = np.linspace(rng.uniform(0.8, 1), rng.uniform(1, 1.2), v_wall)
        img[:v_wall] = np.clip(img[:v_wall] * ramp[:, None, None], 0, 255)
    elif style == 1:  # striped wallpaper
        period = max(rng.uniform(0.1, 0.4) * k, 2.0)
        c = shade(base, rng.uniform(0.85, 1.15))
        for u in np.arange(rng.uniform(0, period), img.shape[1], period):
            cv2.rectangle(img, (int(u), 0), (int(u + period / 2), v_wall), c,
                          -1)
    elif style == 2:  # plaster
        _noise(rng, img[:v_wall], 6, rng.uniform(6, 14))
    else:  # wainscot
        top = int(cam.project([0, rng.uniform(0.8, 1.1)], z_wall)[1])
        cv2.rectangle(img, (0, top), (img.shape[1], v_wall),
                      random_color(rng), -1)
    lo, hi = cam.x_range(z_wall)
    sizes = {  # width, height, bottom edge height in metres
        'window': (1.0, 1.1, 0.9), 'picture': (0.6, 0.45, 1.3),
        'door': (0.85, 2.0, 0.0)}
    for _ in range(rng.integers(0, 3)):
        kind = rng.choice(list(sizes))
        bw, bh, y0 = (s * rng.uniform(0.7, 1.3) for s in sizes[kind])
        x = rng.uniform(lo, hi)
        fill = {'window': random_color(rng, (0.1, 0.4), (0.8, 1), (90, 110)),
                'picture': random_color(rng, (0.3, 0.9), (0.3, 0.9)),
                'door': random_color(rng)}[kind]
        a, b = fixed(cam.project([[x, y0], [x + bw, y0 + bh]], z_wall))
        cv2.rectangle(img, a, b, fill, -1, AA, SHIFT)
        cv2.rectangle(img, a, b, shade(base, 0.55), max(1, int(0.05 * k)),
                      AA, SHIFT)
    board = int(cam.project([0, 0.1], z_wall)[1])  # skirting board
    cv2.rectangle(img, (0, board), (img.shape[1], v_wall),
                  shade(base, rng.uniform(0.5, 0.8)), -1)


def draw_chair(img: np.ndarray,
               cam: Camera,
               x: float,
               seat: float,
               depth: float,
               facing: float,
               kind: str,
               color: Color,
               z: Optional[float] = None) -> None:
    """Side view of a chair (``kind='chair'``) or a box stool (``'stool'``).

    Args:
        img (np.ndarray): RGB image drawn in place.
        cam (Camera): Camera.
        x (float): World x of the sitter's hip, near the back of the seat.
        seat (float): Seat height in metres.
        depth (float): Seat depth in metres, forward of the hip.
        facing (float): Direction the chair faces (+1 or -1).
        kind (str): ``'chair'`` or ``'stool'``.
        color (Color): Main colour.
        z (float, optional): Depth; the person's plane if None.
    """
    back, front = x - facing * 0.12, x + facing * (depth - 0.12)
    legs = [shade(color, 0.7)]
    if kind == 'stool':
        box([img], cam, back, 0, front, seat, legs, z)
    else:
        for xx in (back, front - facing * 0.035):
            box([img], cam, xx, 0, xx + facing * 0.035, seat, legs, z)
        rest = cam.project([[back, seat], [back - facing * 0.08, seat + 0.5],
                            [back - facing * 0.03, seat + 0.5],
                            [back + facing * 0.05, seat]], z)
        cv2.fillConvexPoly(img, fixed(rest), legs[0], AA, SHIFT)
    box([img], cam, back, seat - 0.05, front, seat, [color], z)


def _furniture(rng: np.random.Generator, cam: Camera, layers: Sequence,
               person_x: Tuple[float, float]) -> None:
    """Up to two tables, sofas or boxes between the camera and the person.

    Solid pieces skip spots in front of the person; tables may stand there
    since the person stays visible between their legs.
    """
    for _ in range(rng.integers(0, 3)):
        z = cam.depth * rng.uniform(0.6, 0.9)
        kind = rng.choice(['table', 'sofa', 'box'], p=[0.5, 0.25, 0.25])
        w = rng.uniform(0.35, 0.7) if kind == 'box' else rng.uniform(0.8, 1.6)
        lo, hi = cam.x_range(z)
        x = rng.uniform(lo - w / 2, hi - w / 2)
        p_lo, p_hi = cam.project([[v, 0] for v in person_x])[:, 0]
        o_lo, o_hi = cam.project([[x, 0], [x + w, 0]], z)[:, 0]
        if kind != 'table' and o_hi > p_lo and o_lo < p_hi:
            continue
        c = random_color(rng, (0.1, 0.6), (0.25, 0.8))
        dark = [shade(c, 0.75), 255]
        if kind == 'table':
            top = rng.uniform(0.7, 0.78)
            box(layers, cam, x, top - 0.05, x + w, top, [c, 255], z)
            for xx in (x + 0.03, x + w - 0.08):
                box(layers, cam, xx, 0, xx + 0.05, top, dark, z)
        elif kind == 'sofa':
            box(layers, cam, x, 0.3, x + w, 0.85, dark, z)  # backrest
            box(layers, cam, x, 0, x + w, 0.45, [c, 255], z)
            for xx in (x, x + w - 0.18):  # armrests
                box(layers, cam, xx, 0.2, xx + 0.18, 0.62, dark, z)
        else:
            box(layers, cam, x, 0, x + w, rng.uniform(0.4, 0.6), [c, 255], z)


def draw_room(rng: np.random.Generator,
              cam: Camera,
              person_x: Tuple[float, float],
              real: Optional[np.ndarray] = None,
              room: Optional[np.random.Generator] = None
              ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draws a room: back wall, floor, a distractor chair, front furniture.

    Args:
        rng (np.random.Generator): Random generator.
        cam (Camera): Camera.
        person_x (tuple): World x range the person covers during the clip.
        real (np.ndarray, optional): A real RGB image to use as the wall.
        room (np.random.Generator, optional): Generator of a fixed room:
            when given, it draws the wall, floor and background chair, so
            every clip of the room shares them; furniture in front of the
            person stays per clip. Defaults to None (all from ``rng``).

    Returns:
        tuple: Background ``(H, W, 3)`` uint8, furniture layer in front of
        the person ``(H, W, 3)`` uint8 and its alpha ``(H, W)`` float32.
    """
    room_rng = rng if room is None else room
    bg = np.zeros((cam.height, cam.width, 3), np.uint8)
    z_wall = cam.depth * room_rng.uniform(1.3, 2.6)
    _wall(room_rng, bg, cam, z_wall, real)
    _floor(room_rng, bg, cam, z_wall)
    if room_rng.random() < 0.35:  # chairs in other classes hide 'sit_down' cues
        draw_chair(bg, cam, room_rng.uniform(*cam.x_range(cam.depth)),
                   room_rng.uniform(0.42, 0.5), 0.45, room_rng.choice([-1.0, 1.0]),
                   room_rng.choice(['chair', 'stool']), random_color(room_rng),
                   cam.depth * room_rng.uniform(1.0, 1.2))
    front = np.zeros_like(bg)
    alpha = np.zeros(bg.shape[:2], np.uint8)
    _furniture(rng, cam, [front, alpha], person_x)
    return bg, front, alpha.astype(np.float32) / 255.0
