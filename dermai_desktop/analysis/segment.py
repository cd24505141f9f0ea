"""From the segmenter's low-resolution probability map to one lesion mask.

The map is cleaned at model resolution (cheap): keep the largest connected
component above 0.5 and fill its holes, then resize the probabilities to the
working image (Pillow bilinear, as the training evaluation did) and threshold
at 0.5.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from PIL import Image

THRESHOLD = 0.5


def _components(mask: np.ndarray) -> np.ndarray:
    """4-connected labels (0 = background) of a small boolean image, by breadth-first search."""
    height, width = mask.shape
    labels = np.zeros(mask.shape, dtype=np.int32)
    flat = mask.ravel().tolist()
    out = labels.ravel()
    current = 0
    for start in range(height * width):
        if not flat[start] or out[start]:
            continue
        current += 1
        out[start] = current
        queue = deque([start])
        while queue:
            index = queue.popleft()
            row, col = divmod(index, width)
            for neighbour, ok in (
                (index - width, row > 0),
                (index + width, row < height - 1),
                (index - 1, col > 0),
                (index + 1, col < width - 1),
            ):
                if ok and flat[neighbour] and not out[neighbour]:
                    out[neighbour] = current
                    queue.append(neighbour)
    return labels


def clean_probability(prob: np.ndarray) -> np.ndarray:
    """Keep the largest lesion blob, fill its holes; returns a float32 map of the same shape."""
    above = prob > THRESHOLD
    if not above.any():
        return prob.astype(np.float32)
    labels = _components(above)
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    keep = labels == int(np.argmax(sizes))
    cleaned = np.where(keep | ~above, prob, 0.0).astype(np.float32)
    # Holes: background regions that do not reach the frame.
    outside = _components(~keep)
    border_labels = set(
        np.unique(np.concatenate([outside[0], outside[-1], outside[:, 0], outside[:, -1]])).tolist()
    )
    holes = (outside > 0) & ~np.isin(outside, list(border_labels))
    cleaned[holes] = 1.0
    return cleaned


def lesion_mask(prob: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Boolean mask at ``size`` = (width, height) from a (h, w) probability map."""
    cleaned = clean_probability(prob)
    up = Image.fromarray(cleaned).resize(size, Image.Resampling.BILINEAR)  # float32: mode "F"
    return np.asarray(up) > THRESHOLD
