"""Reproduce the model card's figures from the committed ONNX file alone (issue #5, part 1).

Needs onnxruntime, numpy and pillow (no torch, no scikit-learn) plus the HAM10000 folder:

    python models/training/evaluate.py [--model models/lesion_classifier.onnx] [--data DIR]

1. Official DermaMNIST test split: ACC and macro one-vs-rest AUC next to the MedMNIST v2 table.
2. Lesion-grouped held-out fold: balanced accuracy, per-class sensitivity/specificity/AUC, melanoma
   sensitivity at 90% specificity, ECE before/after temperature scaling, with 95% bootstrap
   intervals over lesion groups.

Prints a Markdown table and writes ``models/lesion_classifier.metrics.json``.
"""

# Markdown/report templates read better as long f-string lines; these are scripts that print.
# ruff: noqa: E501, T201

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import data
import metrics as M  # noqa: N812 — reads like maths below
import numpy as np
import onnxruntime as ort
from PIL import Image

MEL = data.CLASSES.index("mel")
LITERATURE = [  # MedMNIST v2 (Yang et al., Sci Data 2023), DermaMNIST test
    {"model": "ResNet-18 (28)", "acc": 0.735, "auc": 0.917},
    {"model": "ResNet-18 (224)", "acc": 0.754, "auc": 0.920},
    {"model": "AutoKeras", "acc": 0.749, "auc": 0.915},
    {"model": "Google AutoML Vision", "acc": 0.768, "auc": 0.914},
]


def run_model(
    sess: ort.InferenceSession, paths: list[Path], size: int, bs: int = 128
) -> tuple[np.ndarray, np.ndarray]:
    zs, ps = [], []
    for i in range(0, len(paths), bs):
        batch = []
        for p in paths[i : i + bs]:
            with Image.open(p) as im:
                batch.append(data.resize_rgb(im, size))
        z, pr = sess.run(None, {"image": data.normalise(np.stack(batch))})
        zs.append(z)
        ps.append(pr)
    return np.concatenate(zs).astype(np.float64), np.concatenate(ps).astype(np.float64)


def main() -> None:  # noqa: PLR0915 — a linear report
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--model", type=Path, default=data.REPO / "models" / "lesion_classifier.onnx")
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="default: <model stem>.metrics.json next to the model",
    )
    ap.add_argument(
        "--benchmark",
        type=Path,
        default=data.REPO / "models" / "benchmark" / "dermamnist_protocol.onnx",
        help="the recipe trained under the MedMNIST protocol (evaluation 1 only; skipped if absent)",
    )
    ap.add_argument("--bootstrap", type=int, default=1000)
    args = ap.parse_args()
    t0 = time.time()
    data_dir = args.data or data.default_data_dir()
    card_path = args.model.with_name(args.model.stem + ".card.json")
    card = json.loads(card_path.read_text()) if card_path.exists() else {}

    digest = hashlib.sha256(args.model.read_bytes()).hexdigest()
    if card and card.get("sha256") != digest:
        print(f"WARNING: {args.model.name} SHA-256 {digest[:12]}… differs from the card's")
    sess = data.one_thread_session(args.model)
    size = int(sess.get_inputs()[0].shape[2])

    table = data.load_table(data_dir)
    held_sha = data.heldout_ids_sha256(table)
    if card and card["training"]["heldout_image_ids_sha256"] != held_sha:
        raise SystemExit(
            "the re-derived held-out split differs from the card's: refusing to report"
        )
    masks = data.masks_for_model(table)
    need = masks["official_test"] | masks["heldout"]
    idx = np.flatnonzero(need)
    logits = np.zeros((len(table.y), len(data.CLASSES)))
    probs = np.zeros_like(logits)
    z, p = run_model(sess, [data_dir / "images" / f"{table.image_id[i]}.jpg" for i in idx], size)
    logits[idx], probs[idx] = z, p
    y, k = table.y, len(data.CLASSES)

    # 1. Official DermaMNIST test split.
    t = masks["official_test"]
    train_groups = np.unique(table.group[masks["train"]])
    clean = t & ~np.isin(table.group, train_groups)
    # Plain rule: argmax of `logits` (= argmax of the natural-prior probabilities softmax(logits/T));
    # differs from argmax(probs) only when a balanced prior shift is folded into `probs`.
    t_card = float(card.get("temperature", 1.0)) if card else 1.0
    p_plain = M.softmax(logits / t_card)
    official = {
        "plain_rule": {
            "acc": float(np.mean(logits[t].argmax(1) == y[t])),
            "auc": M.macro_auc(p_plain[t], y[t]),
            "bacc": M.balanced_accuracy(logits[t].argmax(1), y[t], k),
        },
        "n": int(t.sum()),
        "n_train": int(masks["train"].sum()),
        "acc": float(np.mean(probs[t].argmax(1) == y[t])),
        "auc": M.macro_auc(probs[t], y[t]),
        "bacc": M.balanced_accuracy(probs[t].argmax(1), y[t], k),
        "non_leaked": {
            "n": int(clean.sum()),
            "acc": float(np.mean(probs[clean].argmax(1) == y[clean])),
            "auc": M.macro_auc(probs[clean], y[clean]),
        },
    }

    if args.benchmark.exists():
        official["recipe_under_protocol"] = evaluate_benchmark(args.benchmark, table, data_dir)

    # 2. Lesion-grouped held-out fold.
    h = masks["heldout"]
    zh, ph, yh, gh = logits[h], probs[h], y[h], table.group[h]
    pred = ph.argmax(1)
    sens, spec = M.sens_spec(pred, yh, k)
    aucs = M.per_class_auc(ph, yh)
    is_mel = yh == MEL
    mel_sens, mel_thr = M.sensitivity_at_specificity(ph[:, MEL], is_mel, 0.90)
    temp_logits_ece = M.ece(M.softmax(zh), yh)
    n_boot = args.bootstrap

    def ci(fn, *arrs):
        return M.bootstrap_ci(fn, yh, *arrs, n=n_boot, seed=0, groups=gh)

    per_class = {}
    for c, name in enumerate(data.CLASSES):
        per_class[name] = {
            "n": int((yh == c).sum()),
            "sensitivity": sens[c],
            "specificity": spec[c],
            "auc": aucs[c],
            "auc_ci": ci(lambda yy, pp, c=c: M.binary_auc(pp[:, c], yy == c), ph),
        }
    bal = card.get("balanced_decision_rule", {}).get("log_prior")
    balanced_rule = None
    if bal is not None:
        pb = (zh - np.asarray(bal)).argmax(1)
        balanced_rule = {
            "acc": float(np.mean(pb == yh)),
            "bacc": M.balanced_accuracy(pb, yh, k),
            "sensitivity": dict(zip(data.CLASSES, M.sens_spec(pb, yh, k)[0], strict=True)),
        }
    pp_h = p_plain[h]
    plain_rule = {
        "acc": float(np.mean(pp_h.argmax(1) == yh)),
        "bacc": M.balanced_accuracy(pp_h.argmax(1), yh, k),
        "bacc_ci": ci(lambda yy, pp: M.balanced_accuracy(pp.argmax(1), yy, k), pp_h),
        "macro_auc": M.macro_auc(pp_h, yh),
        "sensitivity": dict(zip(data.CLASSES, M.sens_spec(pp_h.argmax(1), yh, k)[0], strict=True)),
        "ece": M.ece(pp_h, yh),
    }
    heldout = {
        "plain_rule": plain_rule,
        "n_images": int(h.sum()),
        "n_groups": len(np.unique(gh)),
        "acc": float(np.mean(pred == yh)),
        "bacc": M.balanced_accuracy(pred, yh, k),
        "bacc_ci": ci(lambda yy, pp: M.balanced_accuracy(pp.argmax(1), yy, k), ph),
        "macro_auc": M.macro_auc(ph, yh),
        "macro_auc_ci": ci(lambda yy, pp: M.macro_auc(pp, yy), ph),
        "mel_sens_at_90_spec": mel_sens,
        "mel_threshold_at_90_spec": mel_thr,
        "mel_sens_at_90_spec_ci": ci(
            lambda yy, pp: M.sensitivity_at_specificity(pp[:, MEL], yy == MEL, 0.90)[0], ph
        ),
        "ece_before": temp_logits_ece,
        "ece_after": M.ece(ph, yh),
        "ece_after_ci": ci(lambda yy, pp: M.ece(pp, yy), ph),
        "nll_before": M.nll(zh, yh),
        "nll_after": float(-np.mean(np.log(np.clip(ph[np.arange(len(yh)), yh], 1e-12, None)))),
        "per_class": per_class,
        "balanced_rule": balanced_rule,
    }
    result = {
        "model": args.model.name,
        "sha256": digest,
        "heldout_image_ids_sha256": held_sha,
        "bootstrap": n_boot,
        "literature": LITERATURE,
        "official_dermamnist_test": official,
        "lesion_grouped_heldout": heldout,
        "seconds": round(time.time() - t0, 1),
    }
    out = args.out or args.model.with_name(args.model.stem + ".metrics.json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))
    print(f"\nwritten {out} in {result['seconds']} s")


def evaluate_benchmark(path: Path, table: data.Table, data_dir: Path) -> dict:
    """Evaluation 1 for the recipe trained under the MedMNIST protocol (``--split dermamnist``):
    the whole official train split, selected on the whole official val split. Its JSON record
    beside the file must carry the file's SHA-256."""
    record_path = path.with_suffix(".json")
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if record.get("sha256") != digest:
        raise SystemExit(
            f"{path.name}: SHA-256 differs from {record_path.name}: refusing to report"
        )
    sess = data.one_thread_session(path)
    size = int(sess.get_inputs()[0].shape[2])
    masks = data.masks_for_model(table, "dermamnist")
    t = masks["official_test"]
    idx = np.flatnonzero(t)
    _, p = run_model(sess, [data_dir / "images" / f"{table.image_id[i]}.jpg" for i in idx], size)
    y = table.y[t]
    clean = ~np.isin(table.group[t], np.unique(table.group[masks["train"]]))
    return {
        "file": f"models/benchmark/{path.name}",
        "sha256": digest,
        "n": int(t.sum()),
        "acc": float(np.mean(p.argmax(1) == y)),
        "auc": M.macro_auc(p, y),
        "bacc": M.balanced_accuracy(p.argmax(1), y, len(data.CLASSES)),
        "non_leaked": {
            "n": int(clean.sum()),
            "acc": float(np.mean(p[clean].argmax(1) == y[clean])),
            "auc": M.macro_auc(p[clean], y[clean]),
        },
        "train_images": int(masks["train"].sum()),
        "val_images": int(masks["val"].sum()),
    }


def markdown(r: dict) -> str:
    o, h = r["official_dermamnist_test"], r["lesion_grouped_heldout"]
    lines = [
        "### 1. Official DermaMNIST test (leaky split; comparison only)",
        "",
        "| model | ACC | AUC |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {x['model']} | {x['acc']:.3f} | {x['auc']:.3f} |" for x in r["literature"]]
    if "recipe_under_protocol" in o:
        b = o["recipe_under_protocol"]
        lines.append(
            f"| **our recipe under the MedMNIST protocol** ({b['train_images']} train images; `{b['file']}`) | **{b['acc']:.3f}** | **{b['auc']:.3f}** |"
        )
    lines += [
        f"| ours, the shipped product model | {o['acc']:.3f} | {o['auc']:.3f} |",
        f"| ours (product model), {o['non_leaked']['n']} non-leaked test images | {o['non_leaked']['acc']:.3f} | {o['non_leaked']['auc']:.3f} |",
        f"| ours (product model), plain rule argmax(logits) / softmax(logits/T) | {o['plain_rule']['acc']:.3f} | {o['plain_rule']['auc']:.3f} |",
        "",
        f"### 2. Lesion-grouped held-out ({h['n_images']} images, {h['n_groups']} groups)",
        "",
        "| metric | value | 95% CI |",
        "| --- | ---: | --- |",
        f"| accuracy | {h['acc']:.3f} | |",
        f"| balanced accuracy | {h['bacc']:.3f} | [{h['bacc_ci'][0]:.3f}, {h['bacc_ci'][1]:.3f}] |",
        f"| macro AUC | {h['macro_auc']:.3f} | [{h['macro_auc_ci'][0]:.3f}, {h['macro_auc_ci'][1]:.3f}] |",
        f"| mel sensitivity @ 90% specificity | {h['mel_sens_at_90_spec']:.3f} | [{h['mel_sens_at_90_spec_ci'][0]:.3f}, {h['mel_sens_at_90_spec_ci'][1]:.3f}] |",
        f"| plain rule argmax(logits): accuracy / balanced accuracy | {h['plain_rule']['acc']:.3f} / {h['plain_rule']['bacc']:.3f} | [{h['plain_rule']['bacc_ci'][0]:.3f}, {h['plain_rule']['bacc_ci'][1]:.3f}] |",
        f"| plain rule: macro AUC / ECE of softmax(logits/T) | {h['plain_rule']['macro_auc']:.3f} / {h['plain_rule']['ece']:.3f} | |",
        f"| ECE before temperature | {h['ece_before']:.3f} | |",
        f"| ECE after temperature | {h['ece_after']:.3f} | [{h['ece_after_ci'][0]:.3f}, {h['ece_after_ci'][1]:.3f}] |",
    ]
    if h["balanced_rule"]:
        lines.append(
            f"| balanced rule: accuracy / balanced accuracy | {h['balanced_rule']['acc']:.3f} / {h['balanced_rule']['bacc']:.3f} | |"
        )
    lines += [
        "",
        "| class | n | sensitivity | specificity | AUC [95% CI] |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for c, pc in h["per_class"].items():
        lines.append(
            f"| {c} | {pc['n']} | {pc['sensitivity']:.3f} | {pc['specificity']:.3f} | {pc['auc']:.3f} [{pc['auc_ci'][0]:.3f}, {pc['auc_ci'][1]:.3f}] |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
