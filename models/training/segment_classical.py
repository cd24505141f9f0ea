"""Classical lesion-segmentation baseline (Otsu + morphology), measured on the held-out groups.

Not a shipped model: the yardstick a learned segmenter must beat (issue #5 allows a classical
method "if it measures as well"). Reports mean Jaccard and the ISIC 2018 Task 1 thresholded
Jaccard (per-image IoU below 0.65 counts as 0), whose top entries were about .80.

    python segment_classical.py [--data DIR] [--split heldout|train]
"""

from __future__ import annotations

import argparse
import json

import data
import numpy as np
from PIL import Image, ImageFilter
from scipy import ndimage


def otsu(v: np.ndarray) -> float:
    hist, edges = np.histogram(v, bins=256, range=(0.0, 1.0))
    p = hist.astype(np.float64) / hist.sum()
    w0 = np.cumsum(p)
    mu = np.cumsum(p * (edges[:-1] + edges[1:]) / 2)
    mu_t = mu[-1]
    between = (mu_t * w0 - mu) ** 2 / np.clip(w0 * (1 - w0), 1e-12, None)
    return float(edges[int(np.argmax(between)) + 1])


def segment(img: Image.Image) -> np.ndarray:
    """Boolean lesion mask at the image's size."""
    rgb = np.asarray(img.convert("RGB").filter(ImageFilter.GaussianBlur(2)), dtype=np.float64) / 255
    # Lesions are darker and less blue than the surrounding skin: use the darkest-channel minimum.
    v = rgb.min(axis=2)
    h, w = v.shape
    # Ignore the dark vignette corners of dermoscopes when choosing the threshold.
    yy, xx = np.mgrid[0:h, 0:w]
    inner = ((yy - h / 2) / (h / 2)) ** 2 + ((xx - w / 2) / (w / 2)) ** 2 < 0.9
    mask = (v < otsu(v[inner])) & inner
    mask = ndimage.binary_opening(mask, iterations=2)
    lab, n = ndimage.label(mask)
    if n == 0:
        return np.zeros_like(mask)
    # Keep the component nearest the centre, weighted by size (lesions are centred in HAM10000).
    best, best_score = 1, -np.inf
    for i, sl in enumerate(ndimage.find_objects(lab), start=1):
        comp = lab[sl] == i
        cy, cx = ndimage.center_of_mass(comp)
        cy += sl[0].start
        cx += sl[1].start
        dist = np.hypot((cy - h / 2) / h, (cx - w / 2) / w)
        score = np.log(comp.sum()) - 4 * dist
        if score > best_score:
            best, best_score = i, score
    return ndimage.binary_fill_holes(ndimage.binary_closing(lab == best, iterations=3))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=None)
    args = ap.parse_args()
    data_dir = data.default_data_dir() if args.data is None else data.Path(args.data)
    table = data.load_table(data_dir)
    idx = np.flatnonzero(table.fold == data.HELDOUT_FOLD)
    ious = []
    for i in idx:
        iid = table.image_id[i]
        with Image.open(data_dir / "images" / f"{iid}.jpg") as im:
            pred = segment(im)
        with Image.open(data_dir / "masks_200x150" / f"{iid}_segmentation.png") as m:
            gt = np.asarray(m) > 127
        union = (pred | gt).sum()
        ious.append(1.0 if union == 0 else (pred & gt).sum() / union)
    iou = np.asarray(ious)
    out = {
        "method": "Otsu on min(R,G,B) after a Gaussian blur, inner ellipse, opening, "
        "central component, hole filling",
        "n_images": len(iou),
        "mean_jaccard": float(iou.mean()),
        "thresholded_jaccard_isic2018": float(np.where(iou >= 0.65, iou, 0.0).mean()),
        "median_jaccard": float(np.median(iou)),
    }
    print(json.dumps(out, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
