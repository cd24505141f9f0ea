"""Classification metrics in plain NumPy (evaluate.py runs on onnxruntime + numpy + pillow)."""

from __future__ import annotations

import itertools

import numpy as np


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def binary_auc(pos_score: np.ndarray, is_pos: np.ndarray) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney) formula with average ranks for ties."""
    is_pos = is_pos.astype(bool)
    n_pos, n_neg = int(is_pos.sum()), int((~is_pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    # Average ranks with ties: rank of a value = (#smaller) + (#equal + 1) / 2.
    _, inv, cnt = np.unique(pos_score, return_inverse=True, return_counts=True)
    below = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    r = (below + (cnt + 1) / 2.0)[inv]
    return float((r[is_pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def macro_auc(probs: np.ndarray, y: np.ndarray) -> float:
    """Macro one-vs-rest AUC over the classes present (MedMNIST's ``getAUC`` definition)."""
    aucs = [binary_auc(probs[:, c], y == c) for c in range(probs.shape[1])]
    return float(np.nanmean(aucs))


def per_class_auc(probs: np.ndarray, y: np.ndarray) -> list[float]:
    return [binary_auc(probs[:, c], y == c) for c in range(probs.shape[1])]


def balanced_accuracy(pred: np.ndarray, y: np.ndarray, n_classes: int) -> float:
    rec = [np.mean(pred[y == c] == c) for c in range(n_classes) if np.any(y == c)]
    return float(np.mean(rec))


def sens_spec(pred: np.ndarray, y: np.ndarray, n_classes: int) -> tuple[list[float], list[float]]:
    sens, spec = [], []
    for c in range(n_classes):
        pos, neg = y == c, y != c
        sens.append(float(np.mean(pred[pos] == c)) if pos.any() else float("nan"))
        spec.append(float(np.mean(pred[neg] != c)) if neg.any() else float("nan"))
    return sens, spec


def sensitivity_at_specificity(
    score: np.ndarray, is_pos: np.ndarray, spec: float
) -> tuple[float, float]:
    """Sensitivity at the threshold giving at least ``spec`` specificity: (sens, threshold)."""
    neg = np.sort(score[~is_pos])
    k = int(np.ceil(spec * len(neg))) - 1
    thr = neg[min(max(k, 0), len(neg) - 1)]
    return float(np.mean(score[is_pos] > thr)), float(thr)


def ece(probs: np.ndarray, y: np.ndarray, n_bins: int = 15) -> float:
    """Expected calibration error of the top-1 confidence, equal-width bins."""
    conf = probs.max(1)
    correct = probs.argmax(1) == y
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            total += m.mean() * abs(conf[m].mean() - correct[m].mean())
    return float(total)


def nll(logits: np.ndarray, y: np.ndarray, t: float = 1.0) -> float:
    p = softmax(logits / t)
    return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None))))


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature minimising NLL (golden-section-free: a fine log grid, then refine)."""
    grid = np.exp(np.linspace(np.log(0.3), np.log(5.0), 200))
    t = float(grid[np.argmin([nll(logits, y, g) for g in grid])])
    fine = np.linspace(t * 0.97, t * 1.03, 61)
    return float(fine[np.argmin([nll(logits, y, g) for g in fine])])


def bootstrap_ci(
    fn,
    y: np.ndarray,
    *arrays: np.ndarray,
    n: int = 1000,
    seed: int = 0,
    groups: np.ndarray | None = None,
) -> tuple[float, float]:
    """95% percentile interval; resamples lesion groups when ``groups`` is given (images of one
    lesion are correlated, so resampling images would make the interval too narrow)."""
    rng = np.random.default_rng(seed)
    vals = []
    if groups is not None:
        uniq, inv = np.unique(groups, return_inverse=True)
        members = [np.flatnonzero(inv == g) for g in range(len(uniq))]
    for _ in range(n):
        if groups is None:
            idx = rng.integers(0, len(y), len(y))
        else:
            pick = rng.integers(0, len(members), len(members))
            idx = np.concatenate([members[i] for i in pick])
        v = fn(y[idx], *(a[idx] for a in arrays))
        if np.isfinite(v):
            vals.append(v)
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return float(lo), float(hi)
