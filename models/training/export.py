"""Export the trained classifier to ONNX (opset 17) and write its model card (issue #5, part 1).

    python export.py --run runs/r8-32_80_e44      # writes models/lesion_classifier.onnx + card
    python evaluate.py                             # writes models/lesion_classifier.metrics.json
    python export.py --card-only                   # folds the measured metrics into the card

The card exists twice: ``lesion_classifier.card.json`` for the app and ``lesion_classifier.md``
for people. Figures in the card are only ever the measured ones from ``metrics.json``.
"""

# Markdown/report templates read better as long f-string lines; these are scripts that print.
# ruff: noqa: E501, T201

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

import data
import numpy as np

MODELS = data.REPO / "models"
NAME = "lesion_classifier"
VERSION = "0.2.0"
OPSET = 17


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_graph(wrap: Any, size: int, out: Path, doc: str) -> None:
    """Export ``wrap`` (image -> logits, probs) to ONNX at ``out``, checked, with ``doc``."""
    import onnx
    import torch

    torch.onnx.export(
        wrap,
        (torch.zeros(1, 3, size, size),),
        str(out),
        input_names=["image"],
        output_names=["logits", "probs"],
        dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}, "probs": {0: "batch"}},
        opset_version=OPSET,
        do_constant_folding=True,
        dynamo=False,
    )
    model = onnx.load(str(out))
    onnx.checker.check_model(model, full_check=True)
    model.doc_string = doc
    onnx.save(model, str(out))


def parity(out: Path, wrap: Any, x: np.ndarray) -> dict[str, float]:
    """Largest difference between ONNX Runtime and PyTorch on the same preprocessed images."""
    import torch

    z_ort, p_ort = data.one_thread_session(out).run(None, {"image": x})
    with torch.no_grad():
        z_pt, p_pt = wrap(torch.from_numpy(x))
    return {
        "max_abs_logits": float(np.abs(z_ort - z_pt.numpy()).max()),
        "max_abs_probs": float(np.abs(p_ort - p_pt.numpy()).max()),
    }


def export_onnx(run: Path, out: Path) -> dict[str, object]:
    import torch
    from model import ExportWrapper, build

    torch.set_num_threads(1)
    ck = torch.load(run / "best.pt")
    summ = json.loads((run / "summary.json").read_text())
    net = build(ck["arch"])
    net.load_state_dict(ck["state_dict"])
    net.eval()
    wrap = ExportWrapper(net, summ["temperature"], summ["tta"]).eval()
    size = int(ck["size"])
    write_graph(
        wrap,
        size,
        out,
        f"DermAI {NAME} {VERSION}: decision support for clinicians, not a diagnosis.",
    )
    # Parity: ONNX Runtime vs PyTorch on real preprocessed images.
    table = data.load_table()
    imgs = data.load_images(table, size)
    x = data.normalise(imgs[np.flatnonzero(data.masks_for_model(table)["val"])[:64]])
    info = {
        "arch": ck["arch"],
        "size": size,
        "temperature": summ["temperature"],
        "tta": summ["tta"],
        "params": int(sum(p.numel() for p in net.parameters())),
        "parity_onnxruntime_vs_torch": parity(out, wrap, x),
        "train_summary": summ,
    }
    (run / "export.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def bench(path: Path, size: int, n: int = 200) -> dict[str, float]:
    """Single-image latency with onnxruntime on one thread (p50/p95, ms)."""
    import time

    sess = data.one_thread_session(path)
    x = np.random.default_rng(0).standard_normal((1, 3, size, size)).astype(np.float32)
    for _ in range(20):
        sess.run(None, {"image": x})
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        sess.run(None, {"image": x})
        ts.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": float(np.percentile(ts, 50)), "p95_ms": float(np.percentile(ts, 95))}


def write_card(run: Path) -> dict[str, object]:
    onnx_path = MODELS / f"{NAME}.onnx"
    info = json.loads((run / "export.json").read_text())
    metrics_path = MODELS / f"{NAME}.metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else None
    summ = info["train_summary"]
    ens = info.get("ensemble")
    table = data.load_table()
    card: dict[str, object] = {
        "name": NAME,
        "version": VERSION,
        "file": onnx_path.name,
        "sha256": sha256(onnx_path),
        "bytes": onnx_path.stat().st_size,
        "task": "7-class dermoscopic lesion classification",
        "classes": list(data.CLASSES),
        "malignant_classes": ["mel", "bcc", "akiec"],
        "input": {
            "name": "image",
            "shape": [None, 3, info["size"], info["size"]],
            "dtype": "float32",
            "layout": "NCHW",
            "channel_order": "RGB",
            "resize": {
                "size": [info["size"], info["size"]],
                "method": "Pillow Image.resize((S, S), Image.Resampling.BILINEAR) on the whole RGB image "
                "(antialiased; squashes the aspect ratio, no crop)",
            },
            "scale": 1 / 255,
            "mean": list(data.MEAN),
            "std": list(data.STD),
            "formula": "x = (resize(rgb_uint8).astype(float32) / 255 - mean) / std, then HWC->CHW",
        },
        "outputs": {
            "logits": "flip-TTA mean logits (4 views), uncalibrated"
            if info["tta"]
            else "logits, uncalibrated",
            "probs": "softmax(logits / temperature): temperature-scaled class probabilities, order = classes",
        }
        if ens is None
        else {
            "logits": "mean over the ensemble members of each member's temperature-scaled logits "
            "(z_i / T_i"
            + (", flip-TTA mean of 4 views" if info["tta"] else "")
            + "), before the ensemble temperature",
            "probs": "softmax((logits - tau * log_prior) / temperature): temperature-scaled class probabilities, order = classes"
            + (
                f"; tau = {ens['tau']} (balanced decision rule folded in)"
                if ens["tau"]
                else "; tau = 0 (no prior shift: natural-prior probabilities)"
            ),
        },
        "temperature": info["temperature"],
        "tta_in_graph": info["tta"],
        "balanced_decision_rule": {
            "what": "optional: argmax(logits - log_prior) favours rare classes (higher balanced accuracy, "
            "lower plain accuracy); the default rule is argmax(probs)"
            + (
                f", which already includes tau = {ens['tau']} times this shift"
                if ens is not None and ens["tau"]
                else ""
            ),
            "tau_in_probs": 0.0 if ens is None else ens["tau"],
            "log_prior": [
                float(v)
                for v in np.log(
                    np.asarray(summ["train_prior"])
                    * np.asarray(summ["class_weights"])
                    / np.sum(np.asarray(summ["train_prior"]) * np.asarray(summ["class_weights"]))
                )
            ],
        },
        "architecture": f"LesionNet {info['arch']} (ResNet-ish, 4 stages of basic blocks), {info['params']} parameters, trained from scratch"
        if ens is None
        else f"Ensemble of {len(ens['members'])} LesionNets folded into one graph: {info['arch']}"
        + (
            "; smaller members see the input downscaled in the graph (Pillow-bilinear matrix)"
            if len({m["size"] for m in ens["members"]}) > 1
            else ""
        )
        + f"; {info['params']} parameters in all, trained from scratch",
        "training": {
            "data": "HAM10000 (Tschandl, Rosendahl & Kittler, Sci Data 5:180161, 2018), 200x150 downscaled copy",
            "images": "official DermaMNIST train split minus the held-out lesion groups; epoch selected on the "
            "official val split minus the held-out groups; temperature fitted on val images whose lesion is not in training",
            "split_seed": data.SPLIT_SEED,
            "heldout_fold": data.HELDOUT_FOLD,
            "heldout_image_ids_sha256": data.heldout_ids_sha256(table),
            "seed": summ["args"]["seed"],
            "epochs_run": summ["epochs_run"],
            "best_epoch": summ["best_epoch"],
            "train_minutes_1_cpu_thread": round(summ["train_minutes"], 1),
            "recipe": "models/training/ (README.md there)",
        }
        | (
            {}
            if ens is None
            else {
                "ensemble_members": [m["spec"] for m in ens["members"]],
                "note": "seed, epochs and minutes above are those of the first (newly trained) member; "
                "the other members are listed in ensemble_members and in models/training/README.md",
            }
        ),
        "licence": {
            "training_data": "CC BY-NC 4.0 (HAM10000, Harvard Dataverse; some mirrors say CC BY-NC-SA 4.0)",
            "statement": "These weights were trained on non-commercial data. Commercial use of this model needs a "
            "licence from the HAM10000 rights holders or retraining on commercially licensed data.",
            "attribution": "Tschandl P, Rosendahl C, Kittler H. The HAM10000 dataset. Sci Data 5, 180161 (2018).",
        },
        "intended_use": "Decision support for clinicians, not a diagnosis. Shows class probabilities for a "
        "dermoscopic image to a dermatologist who makes and records the decision.",
        "known_limits": [
            "Dermoscopic images only; clinical (non-dermoscopic) photos are out of distribution.",
            "Skin types V-VI are under-represented in HAM10000 (mostly fair-skinned patients from Austria and "
            "Australia); performance on darker skin is unknown.",
            "Seven HAM10000 classes only; other lesions (e.g. SCC, nail or mucosal lesions) get one of these seven labels.",
            "Trained at low resolution from scratch on a CPU budget; measured figures are below the targets of issue #5 "
            "where the metrics say so.",
            "Rare classes (df, vasc) have 20-30 held-out images: their figures have wide intervals.",
            "The temperature was fitted on 537 validation images; on the held-out lesions it changed ECE little "
            "(see metrics: ECE before/after), so treat probabilities as approximate.",
        ],
        "measured_tricks": {
            "where": "validation images (never the held-out fold); class weighting was measured by a "
            "second full run (training/README.md); augmentation and EMA were not ablated",
            "flip_tta_val": {
                "without": summ["val_plain"],
                "with": summ["val_tta"],
                "kept": summ["tta"],
            },
            "temperature_val_clean": summ["val_clean"] | {"temperature": summ["temperature"]},
        }
        | (
            {}
            if ens is None
            else {
                "ensemble_val": {
                    "members": ens["members"],
                    "members_alone": [ens[f"member{i}_val"] for i in range(len(ens["members"]))],
                    "ensemble_argmax": ens["ensemble_val"],
                    "tau": ens["tau"],
                    "final": ens["final_val"],
                    "tau_sweep": ens["tau_sweep_val"],
                }
            }
        ),
        "metrics": metrics,
        "inference_onnxruntime_1_thread": bench(onnx_path, info["size"]),
    }
    (MODELS / f"{NAME}.card.json").write_text(json.dumps(card, indent=2) + "\n")
    (MODELS / f"{NAME}.md").write_text(card_markdown(card))
    return card


def _f(v: object, nd: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{nd}f}"


def card_markdown(card: dict) -> str:
    inp, tr, lic, m = card["input"], card["training"], card["licence"], card["metrics"]
    lines = [
        f"# Model card: {card['name']} {card['version']}",
        "",
        f"**Intended use.** {card['intended_use']}",
        "",
        f"**Licence.** Training data: {lic['training_data']}. {lic['statement']}",
        "",
        "## Model",
        "",
        f"- File `{card['file']}`, {card['bytes'] / 1e6:.2f} MB, SHA-256 `{card['sha256']}`.",
        f"- {card['architecture']}; ONNX opset {OPSET}.",
        f"- Classes (output order): {', '.join(card['classes'])}. Malignant: {', '.join(card['malignant_classes'])}.",
        f"- Input `image`: float32 NCHW RGB, {inp['resize']['size'][0]}x{inp['resize']['size'][1]}. Resize: {inp['resize']['method']}. "
        f"Then `{inp['formula']}` with mean {inp['mean']} and std {inp['std']}.",
        f"- Outputs: `logits` ({card['outputs']['logits']}); `probs` ({card['outputs']['probs']}), temperature {card['temperature']:.3f}.",
        f"- Inference, onnxruntime, 1 thread, batch 1: p50 {card['inference_onnxruntime_1_thread']['p50_ms']:.2f} ms, "
        f"p95 {card['inference_onnxruntime_1_thread']['p95_ms']:.2f} ms (shared 2-core machine).",
        "",
        "## Training",
        "",
        f"- Data: {tr['data']}.",
        f"- Images: {tr['images']}.",
        f"- Seeds: training {tr['seed']}, split {tr['split_seed']} (held-out fold {tr['heldout_fold']}, image-id SHA-256 `{tr['heldout_image_ids_sha256'][:16]}…`).",
        f"- {tr['epochs_run']} epochs run, best epoch {tr['best_epoch']}, {tr['train_minutes_1_cpu_thread']} min on one CPU thread. Recipe: {tr['recipe']}.",
        *(
            [
                f"- Ensemble members: {', '.join(f'`{x}`' for x in tr['ensemble_members'])} ({tr['note']})."
            ]
            if "ensemble_members" in tr
            else []
        ),
        "",
    ]
    if m:
        o, h = m["official_dermamnist_test"], m["lesion_grouped_heldout"]
        lines += [
            "## Evaluation 1: official DermaMNIST test split (comparison with MedMNIST v2)",
            "",
            "The official split was drawn per image: 693 of its 2,005 test images share a lesion with a training "
            "image, so every row of this table (ours included) is optimistic. Use evaluation 2 for the product.",
            "",
            "| model | ACC | AUC |",
            "| --- | ---: | ---: |",
        ]
        for row in m["literature"]:
            lines.append(f"| {row['model']} | {row['acc']:.3f} | {row['auc']:.3f} |")
        bench = o.get("recipe_under_protocol")
        if bench:
            lines.append(
                f"| **our recipe under the MedMNIST protocol**: all {bench['train_images']} official train images, selected on the "
                f"{bench['val_images']} val images (`{bench['file']}`, not shipped in the app) | **{bench['acc']:.3f}** | **{bench['auc']:.3f}** |"
            )
        lines += [
            f"| this model (the shipped product model: {o.get('n_train', 'fewer')} train images, the held-out lesion groups left out) | {o['acc']:.3f} | {o['auc']:.3f} |",
            f"| this model, the {o['non_leaked']['n']} test images whose lesion is not in its training set | {o['non_leaked']['acc']:.3f} | {o['non_leaked']['auc']:.3f} |",
            *(
                [
                    f"| this model, plain rule: argmax(`logits`), AUC of softmax(`logits`/T) | {o['plain_rule']['acc']:.3f} | {o['plain_rule']['auc']:.3f} |"
                ]
                if "plain_rule" in o
                else []
            ),
            "",
            "Targets of issue #5: ACC > .80 and AUC > .94."
            + (
                (
                    " Reached by our recipe under the MedMNIST protocol."
                    if bench["acc"] > 0.80 and bench["auc"] > 0.94
                    else " **Not reached** by our recipe under the MedMNIST protocol."
                )
                if bench
                else ""
            )
            + (
                " The shipped product model reaches them too."
                if o["acc"] > 0.80 and o["auc"] > 0.94
                else " The shipped product model: not reached either (it trains on fewer images, leaving the held-out "
                "lesion groups out so that evaluation 2 stays honest)."
            ),
            "",
            "## Evaluation 2: lesion-grouped held-out set (the product's figure)",
            "",
            f"{h['n_images']} images of {h['n_groups']} lesion groups (lesion_id, with the 18 duplicate pairs merged), "
            "stratified, never used for training, selection or calibration. 95% intervals: bootstrap over lesion groups "
            f"({m['bootstrap']} resamples).",
            "",
            f"- Accuracy {h['acc']:.3f}; **balanced accuracy {h['bacc']:.3f}** [{h['bacc_ci'][0]:.3f}, {h['bacc_ci'][1]:.3f}] (target ≥ .75"
            + (", reached" if h["bacc"] >= 0.75 else ", not reached")
            + ").",
            *(
                [
                    f"- Plain rule, argmax(`logits`) (natural prior, no shift): balanced accuracy {h['plain_rule']['bacc']:.3f} "
                    f"[{h['plain_rule']['bacc_ci'][0]:.3f}, {h['plain_rule']['bacc_ci'][1]:.3f}], accuracy {h['plain_rule']['acc']:.3f}; "
                    f"softmax(`logits`/T): macro AUC {h['plain_rule']['macro_auc']:.3f}, ECE {h['plain_rule']['ece']:.3f}."
                ]
                if "plain_rule" in h
                else []
            ),
            f"- With the full balanced decision rule argmax(`logits` − log_prior) (card `balanced_decision_rule`, tau = 1): balanced accuracy {h['balanced_rule']['bacc']:.3f}, accuracy {h['balanced_rule']['acc']:.3f}.",
            f"- Macro AUC {h['macro_auc']:.3f} [{h['macro_auc_ci'][0]:.3f}, {h['macro_auc_ci'][1]:.3f}].",
            f"- Melanoma sensitivity at 90% specificity: {h['mel_sens_at_90_spec']:.3f} [{h['mel_sens_at_90_spec_ci'][0]:.3f}, {h['mel_sens_at_90_spec_ci'][1]:.3f}].",
            f"- Calibration (ECE, 15 bins): {h['ece_before']:.3f} before temperature scaling, {h['ece_after']:.3f} after "
            f"[{h['ece_after_ci'][0]:.3f}, {h['ece_after_ci'][1]:.3f}] (target ≤ .05"
            + (", reached" if h["ece_after"] <= 0.05 else ", not reached")
            + ").",
            "",
            "| class | n | sensitivity | specificity | AUC [95% CI] |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        for c in card["classes"]:
            pc = h["per_class"][c]
            lines.append(
                f"| {c} | {pc['n']} | {pc['sensitivity']:.3f} | {pc['specificity']:.3f} | {pc['auc']:.3f} [{pc['auc_ci'][0]:.3f}, {pc['auc_ci'][1]:.3f}] |"
            )
        tr_ = card["measured_tricks"]
        wo, wi = tr_["flip_tta_val"]["without"], tr_["flip_tta_val"]["with"]
        vc = tr_["temperature_val_clean"]
        lines += [
            "",
            "## What each post-hoc trick gave (validation images, not the held-out fold)",
            "",
            f"- Flip TTA (4 views){' on the newly trained member alone' if 'ensemble_val' in tr_ else ''}: val ACC {wo['acc']:.3f} → {wi['acc']:.3f}, macro AUC {wo['auc']:.3f} → {wi['auc']:.3f}, "
            f"balanced accuracy {wo['bacc']:.3f} → {wi['bacc']:.3f}; {'kept in the graph' if tr_['flip_tta_val']['kept'] else 'not kept'}.",
            f"- Temperature {vc['temperature']:.3f} fitted on {vc['n']} val images of lesions not in training: ECE {vc['ece_before']:.3f} → {vc['ece_after']:.3f}, "
            f"NLL {vc['nll_before']:.3f} → {vc['nll_after']:.3f}. On the held-out fold it moved ECE {h['ece_before']:.3f} → {h['ece_after']:.3f}.",
            *(
                [
                    "- Ensemble (val, criterion = mean of ACC and macro AUC): "
                    + "; ".join(
                        f"member {i + 1} ({mm['arch']}@{mm['size']}px) ACC {v['acc']:.3f}, AUC {v['auc']:.3f}, balanced acc. {v['bacc']:.3f}"
                        for i, (mm, v) in enumerate(
                            zip(
                                tr_["ensemble_val"]["members"],
                                tr_["ensemble_val"]["members_alone"],
                                strict=True,
                            )
                        )
                    )
                    + f"; ensemble ACC {tr_['ensemble_val']['ensemble_argmax']['acc']:.3f}, AUC {tr_['ensemble_val']['ensemble_argmax']['auc']:.3f}, "
                    f"balanced acc. {tr_['ensemble_val']['ensemble_argmax']['bacc']:.3f}.",
                    f"- Balanced rule folded into `probs`: tau = {tr_['ensemble_val']['tau']} (val ACC {tr_['ensemble_val']['final']['acc']:.3f}, "
                    f"balanced acc. {tr_['ensemble_val']['final']['bacc']:.3f}).",
                ]
                if "ensemble_val" in tr_
                else []
            ),
            f"- {tr_['where'][0].upper() + tr_['where'][1:]}.",
            "",
            "Reproduce: `python models/training/evaluate.py` (onnxruntime + numpy + pillow only).",
            "",
        ]
    else:
        lines += ["## Evaluation", "", "Not measured yet: run `models/training/evaluate.py`.", ""]
    lines += (
        ["## Known limits", ""]
        + [f"- {x}" for x in card["known_limits"]]
        + [
            "",
            f"Attribution: {lic['attribution']}",
            "",
        ]
    )
    return "\n".join(lines)


def refresh_metrics() -> None:
    """Re-read ``metrics.json`` into the shipped card: the run folder (git-ignored) is not needed,
    so a fresh checkout can refresh the card after ``evaluate.py``."""
    card_path = MODELS / f"{NAME}.card.json"
    card = json.loads(card_path.read_text())
    if sha256(MODELS / f"{NAME}.onnx") != card["sha256"]:
        raise SystemExit("the .onnx file does not match its card: export it again instead")
    metrics = json.loads((MODELS / f"{NAME}.metrics.json").read_text())
    if metrics["sha256"] != card["sha256"]:
        raise SystemExit("metrics.json was measured on another file: run evaluate.py first")
    card["metrics"] = metrics
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    (MODELS / f"{NAME}.md").write_text(card_markdown(card))
    print(f"refreshed {card_path.name} and {NAME}.md")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--run", type=Path, default=data.RUNS / "r8-32_80_e44")
    ap.add_argument(
        "--card-only",
        action="store_true",
        help="rewrite the card from the existing .onnx and metrics.json",
    )
    ap.add_argument(
        "--refresh-metrics",
        action="store_true",
        help="put the current metrics.json into the existing card (JSON + Markdown) without the run "
        "folder; refuses if the .onnx file no longer matches the card",
    )
    ap.add_argument(
        "--ablation",
        action="store_true",
        help="export into the run folder only (for measuring a variant; no card, models/ untouched)",
    )
    args = ap.parse_args()
    if args.refresh_metrics:
        refresh_metrics()
        return
    if args.ablation:
        info = export_onnx(args.run, args.run / f"{NAME}.onnx")
        print(json.dumps(info["parity_onnxruntime_vs_torch"]))
        return
    if not args.card_only:
        info = export_onnx(args.run, MODELS / f"{NAME}.onnx")
        print(
            json.dumps(
                {
                    k: info[k]
                    for k in (
                        "arch",
                        "size",
                        "temperature",
                        "tta",
                        "params",
                        "parity_onnxruntime_vs_torch",
                    )
                },
                indent=2,
            )
        )
    card = write_card(args.run)
    print(
        json.dumps(
            {k: card[k] for k in ("sha256", "bytes", "inference_onnxruntime_1_thread")}, indent=2
        )
    )


if __name__ == "__main__":
    main()
