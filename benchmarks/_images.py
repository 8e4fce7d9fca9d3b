"""Offline image tasks for the NAS benchmarks: digits, and a harder digits.

``digits``: scikit-learn's ``load_digits`` as 8x8 images. ``hard_digits``:
the same digits upsampled to ``side x side`` (bilinear), each with a random
affine distortion (rotation +-20 degrees, scale 0.85-1.15, shear +-0.2,
shift +-10 % of the side) and Gaussian pixel noise (sigma 0.25 of the
intensity range), from a fixed seed: the same images in every run, on every
machine, and hard enough that architectures differ measurably. Both are
split 75/25, stratified, seed 0.
"""

import numpy as np
from scipy import ndimage
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

TASKS = ("digits", "hard_digits")


def _distort(images, side, rng):
    n = len(images)
    out = np.empty((n, side, side), dtype=np.float32)
    zoom = side / images.shape[1]
    centre = (side - 1) / 2
    for i, img in enumerate(images):
        big = ndimage.zoom(img, zoom, order=1)
        angle = np.deg2rad(rng.uniform(-20, 20))
        scale = rng.uniform(0.85, 1.15)
        shear = rng.uniform(-0.2, 0.2)
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        matrix = rot @ np.array([[1, shear], [0, 1]]) / scale
        shift = rng.uniform(-0.1, 0.1, size=2) * side
        offset = centre - matrix @ (np.array([centre, centre]) + shift)
        out[i] = ndimage.affine_transform(big, matrix, offset=offset, order=1)
    out /= 16.0
    out += rng.normal(0, 0.25, size=out.shape).astype(np.float32)
    return out


def load_task(name, side=16, seed=0):
    """``(X_train, X_test, y_train, y_test)`` of an image task.

    Parameters
    ----------
    name : {"digits", "hard_digits"}
    side : int, default=16
        Image side of ``hard_digits``.
    seed : int, default=0
        Seed of the distortions and noise (the split always uses 0).
    """
    X, y = load_digits(return_X_y=True)
    images = X.reshape(-1, 8, 8)
    if name == "hard_digits":
        images = _distort(images, side, np.random.RandomState(seed))
    elif name != "digits":
        raise ValueError(f"unknown task {name!r}; known: {TASKS}")
    return train_test_split(images.astype(np.float32), y, test_size=0.25, stratify=y,
                            random_state=0)
