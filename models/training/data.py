"""HAM10000 loading, the official DermaMNIST split and a lesion-grouped split (issue #5, part 1).

The images are CC BY-NC 4.0 (see ``../shared/data/ham10000/SOURCE.md``): this module reads them from
the shared data folder and caches decoded arrays under ``models/training/runs/`` (git-ignored); it
never writes an image into the repository.

Run ``python data.py`` to print the split summary, including the leakage of the official split.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

CLASSES: tuple[str, ...] = ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")
REPO = Path(__file__).resolve().parents[2]
RUNS = Path(__file__).resolve().parent / "runs"
HELDOUT_FOLD = 0
N_FOLDS = 5
SPLIT_SEED = 20260125

# Preprocessing shared by training, export, evaluation and (later) the app. Everything after the
# resize is plain NumPy; the resize is Pillow's antialiased bilinear filter on the whole image
# (squash to a square, as MedMNIST did), which the app reproduces with the same Pillow call.
MEAN = (
    0.7628,
    0.5450,
    0.5694,
)  # RGB mean on [0, 1] of the training images at 80 px (fixed constant)
STD = (0.1394, 0.1512, 0.1678)


def default_data_dir() -> Path:
    """``$DERMAI_HAM10000`` or ``<repo>/../shared/data/ham10000``."""
    env = os.environ.get("DERMAI_HAM10000")
    return Path(env) if env else REPO.parent / "shared" / "data" / "ham10000"


def demo_dir(data_dir: Path) -> Path:
    return data_dir.parent / "demo_fullres"


def resize_rgb(img: Image.Image, size: int) -> np.ndarray:
    """Squash-resize any image to ``size``x``size`` RGB uint8 (Pillow BILINEAR, antialiased)."""
    return np.asarray(
        img.convert("RGB").resize((size, size), Image.Resampling.BILINEAR), dtype=np.uint8
    )


def normalise(batch_uint8_nhwc: np.ndarray) -> np.ndarray:
    """uint8 NHWC RGB -> float32 NCHW, ``(x / 255 - MEAN) / STD``."""
    x = batch_uint8_nhwc.astype(np.float32) / np.float32(255.0)
    x = (x - np.asarray(MEAN, np.float32)) / np.asarray(STD, np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def preprocess(img: Image.Image, size: int) -> np.ndarray:
    """One PIL image -> the model's (1, 3, size, size) float32 input."""
    return normalise(resize_rgb(img, size)[None])


def one_thread_session(path: Path) -> Any:
    """An onnxruntime session on one CPU thread, as every figure of the recipe is measured."""
    import onnxruntime as ort  # imported here: the app's tests load this module without it

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@dataclass(frozen=True)
class Table:
    """One row per image, in ``dermamnist_split.csv`` order."""

    image_id: list[str]
    lesion_id: list[str]
    y: np.ndarray  # int64 class index into CLASSES
    official: np.ndarray  # "train" / "val" / "test"
    group: np.ndarray  # int64 lesion group (lesion_id with the 18 duplicate pairs merged)
    fold: (
        np.ndarray
    )  # int64 stratified-group fold 0..N_FOLDS-1 (demo lesions forced into HELDOUT_FOLD)
    demo: np.ndarray  # bool: the image's lesion group is one of the 24 full-resolution demo lesions


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _merge_groups(
    lesion_ids: list[str], image_ids: list[str], dup_pairs: list[tuple[str, str]]
) -> np.ndarray:
    """Union-find over lesion ids: lesions joined by a duplicate image pair become one group."""
    parent: dict[str, str] = {lid: lid for lid in lesion_ids}

    def find(a: str) -> str:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    lesion_of = dict(zip(image_ids, lesion_ids, strict=True))
    for a, b in dup_pairs:
        ra, rb = find(lesion_of[a]), find(lesion_of[b])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = [find(lid) for lid in lesion_ids]
    index = {r: i for i, r in enumerate(sorted(set(roots)))}
    return np.asarray([index[r] for r in roots], dtype=np.int64)


def stratified_group_folds(y: np.ndarray, group: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Stratified group k-fold in plain NumPy (no scikit-learn needed to re-derive the split).

    Every group has one class (checked), so per class: shuffle its groups with a seeded generator,
    largest first after the shuffle, and give each to the fold holding the fewest images of that
    class so far. Deterministic for a given seed; the card stores a hash of the held-out image ids.
    """
    rng = np.random.default_rng(seed)
    fold_of_group: dict[int, int] = {}
    for c in np.unique(y):
        groups, sizes = np.unique(group[y == c], return_counts=True)
        if np.unique(y[np.isin(group, groups)]).size != 1:
            raise ValueError("a lesion group carries more than one diagnosis")
        order = rng.permutation(groups.size)
        order = order[np.argsort(-sizes[order], kind="stable")]
        load = np.zeros(k, dtype=np.int64)
        for i in order:
            f = int(np.argmin(load))
            fold_of_group[int(groups[i])] = f
            load[f] += sizes[i]
    return np.asarray([fold_of_group[int(g)] for g in group], dtype=np.int64)


def heldout_ids_sha256(table: Table) -> str:
    """Fingerprint of the held-out image ids (the card stores it; evaluate.py checks it)."""
    import hashlib

    ids = sorted(np.asarray(table.image_id)[table.fold == HELDOUT_FOLD].tolist())
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()


def load_table(data_dir: Path | None = None) -> Table:
    """Labels, official split, merged lesion groups and the grouped folds."""
    data_dir = data_dir or default_data_dir()
    rows = _read_csv(data_dir / "dermamnist_split.csv")
    image_ids = [r["image_id"] for r in rows]
    lesion_ids = [r["lesion_id"] for r in rows]
    y = np.asarray([CLASSES.index(r["dx"]) for r in rows], dtype=np.int64)
    official = np.asarray([r["dermamnist_split"] for r in rows])
    dups = [
        (r["from_img"].removesuffix(".jpg"), r["to_img"].removesuffix(".jpg"))
        for r in _read_csv(data_dir / "ham10000_newly_discovered_duplicates.csv")
    ]
    group = _merge_groups(lesion_ids, image_ids, dups)

    fold = stratified_group_folds(y, group, N_FOLDS, SPLIT_SEED)

    # The 24 full-resolution demo images are shown in the app: keep their lesions out of training.
    demo = np.zeros(len(image_ids), dtype=bool)
    demo_labels = demo_dir(data_dir) / "labels.csv"
    if demo_labels.exists():
        demo_lesions = {r["lesion_id"] for r in _read_csv(demo_labels)}
        lesion_arr = np.asarray(lesion_ids)
        demo_groups = set(group[np.isin(lesion_arr, list(demo_lesions))].tolist())
        demo = np.isin(group, list(demo_groups))
        fold[demo] = HELDOUT_FOLD
    return Table(image_ids, lesion_ids, y, official, group, fold, demo)


def load_images(table: Table, size: int, data_dir: Path | None = None) -> np.ndarray:
    """All images as uint8 NHWC at ``size``, cached in runs/ (never committed)."""
    data_dir = data_dir or default_data_dir()
    RUNS.mkdir(parents=True, exist_ok=True)
    cache = RUNS / f"cache_{size}.npy"
    if cache.exists():
        arr = np.load(cache)
        if arr.shape[0] == len(table.image_id):
            return arr
    arr = np.empty((len(table.image_id), size, size, 3), dtype=np.uint8)
    for i, iid in enumerate(table.image_id):
        with Image.open(data_dir / "images" / f"{iid}.jpg") as im:
            arr[i] = resize_rgb(im, size)
    np.save(cache, arr)
    return arr


SPLITS = ("product", "dermamnist")


def masks_for_model(table: Table, split: str = "product") -> dict[str, np.ndarray]:
    """Index masks of the sets a classifier run uses.

    ``product`` (the shipped classifier): trained on the official DermaMNIST *train* images whose
    lesion group is not in the held-out group fold, selected on the official *val* images, again
    without the held-out groups. Its official-test figure is "trained on train only, selected on
    val", and the held-out group fold (a stratified random fifth of the lesions) was never seen.

    ``dermamnist`` (the recipe under the MedMNIST protocol, for evaluation 1 only): the whole
    official train split, selected on the whole official val split, as every MedMNIST row was.
    Only the 24 demo lesions are left out. This model has seen most of the held-out fold, so it
    has no evaluation 2 and is never shipped in the app.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}")
    held = table.fold == HELDOUT_FOLD if split == "product" else table.demo
    train = (table.official == "train") & ~held
    val = (table.official == "val") & ~held
    train_groups = np.unique(table.group[train])
    # Val images whose lesion is not in training: used for temperature scaling (the leaky val
    # images look easier than new lesions and would make the temperature too low).
    val_clean = val & ~np.isin(table.group, train_groups)
    masks = {
        "train": train,
        "val": val,
        "val_clean": val_clean,
        "official_test": table.official == "test",
    }
    return masks | ({"heldout": held} if split == "product" else {})


def leakage_report(table: Table) -> dict[str, object]:
    """How much the official per-image split leaks lesions across train/val/test."""
    lesion = np.asarray(table.lesion_id)
    by_split = {s: set(lesion[table.official == s]) for s in ("train", "val", "test")}
    spanning = {lid for lid in set(lesion) if sum(lid in by_split[s] for s in by_split) > 1}
    test = table.official == "test"
    leak_train = test & np.isin(lesion, list(by_split["train"]))
    leak_trainval = test & np.isin(lesion, list(by_split["train"] | by_split["val"]))
    grp = table.group
    grp_train = set(grp[table.official == "train"])
    leak_train_merged = test & np.isin(grp, list(grp_train))
    return {
        "lesions_spanning_splits": len(spanning),
        "test_images": int(test.sum()),
        "test_images_sharing_lesion_with_train": int(leak_train.sum()),
        "test_images_sharing_lesion_with_train_or_val": int(leak_trainval.sum()),
        "test_images_sharing_merged_group_with_train": int(leak_train_merged.sum()),
    }


def summary(table: Table) -> dict[str, object]:
    m = masks_for_model(table)
    out: dict[str, object] = {
        "images": len(table.image_id),
        "lesions": len(set(table.lesion_id)),
        "groups_after_merging_duplicates": int(table.group.max() + 1),
        "leakage_of_official_split": leakage_report(table),
    }
    m |= {f"dermamnist_{k}": v for k, v in masks_for_model(table, "dermamnist").items()}
    for name, mask in m.items():
        out[name] = {
            "images": int(mask.sum()),
            "groups": len(np.unique(table.group[mask])),
            "per_class": {c: int(((table.y == i) & mask).sum()) for i, c in enumerate(CLASSES)},
        }
    # Sanity: the held-out fold shares no group with the training or selection images.
    assert not set(table.group[m["heldout"]]) & set(table.group[m["train"] | m["val"]])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--data",
        type=Path,
        default=None,
        help="HAM10000 folder (default: $DERMAI_HAM10000 or ../shared/data/ham10000)",
    )
    args = ap.parse_args()
    print(json.dumps(summary(load_table(args.data)), indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
