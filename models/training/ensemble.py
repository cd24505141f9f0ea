"""Fold several trained classifiers into ONE ONNX graph (issue #5, part 1).

The members may have different input sizes: the graph takes the largest size, and every smaller
member sees the image downscaled inside the graph by a fixed separable matrix (Pillow's antialiased
``BILINEAR`` triangle filter, two MatMuls). The graph averages the members' *calibrated* logits
``z_i / T_i``, optionally subtracts ``tau * log_prior`` (the balanced decision rule), and outputs

- ``logits``: the averaged calibrated member logits (before the ensemble temperature),
- ``probs``: ``softmax((logits - tau * log_prior) / T_ens)``.

Members are a training run (``runs/<name>/best.pt``) or a previously exported single-model ONNX
file (its BatchNorm already folded into the convolutions; rebuilt as a ``LesionNet`` whose BN layers
are the identity plus the folded bias, so the PyTorch-vs-ONNX parity check still holds).

    python ensemble.py measure --member runs/r8-32_112_e36 \
        --member onnx:../lesion_classifier.onnx@80
    python ensemble.py export  --name ens2 --member ... [--tau 0.5] [--tta]

``measure`` prints validation figures only (never the held-out fold). ``export`` writes
``runs/<name>/`` (``export.json`` in the format ``export.py`` reads) and, with ``--ship``,
``models/lesion_classifier.onnx``; the card is then written by
``export.py --run runs/<name> --card-only``.
"""

# ruff: noqa: T201

from __future__ import annotations

import argparse
import json
from pathlib import Path

import data
import metrics
import numpy as np
import torch
from export import parity, write_graph
from model import LesionNet, build
from torch import nn


def pillow_bilinear_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix of Pillow's antialiased BILINEAR resampling (Resample.c weights)."""
    scale = n_in / n_out
    fs = max(scale, 1.0)
    support = 1.0 * fs
    a = np.zeros((n_out, n_in), dtype=np.float64)
    for o in range(n_out):
        center = (o + 0.5) * scale
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), n_in)
        for i in range(lo, hi):
            t = abs((i - center + 0.5) / fs)
            a[o, i] = max(0.0, 1.0 - t)
        a[o] /= a[o].sum()
    return a


def lesionnet_from_onnx(path: Path) -> tuple[LesionNet, int, float, bool]:
    """Rebuild a single-model export (BN folded) as a LesionNet. Returns (net, size, T, tta)."""
    import onnx
    from onnx import numpy_helper

    m = onnx.load(str(path))
    init = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    convs = [n for n in m.graph.node if n.op_type == "Conv"]
    size = int(m.graph.input[0].type.tensor_type.shape.dim[2].dim_value)
    inv_t = float(init["inv_t"])
    tta = any(n.op_type == "Concat" for n in m.graph.node)
    w0 = init[convs[0].input[1]].shape[0]
    widths = (w0, 2 * w0, 4 * w0, 8 * w0)
    net = LesionNet(widths=widths)
    net_convs = [mod for mod in net.modules() if isinstance(mod, nn.Conv2d)]
    net_bns = [mod for mod in net.modules() if isinstance(mod, nn.BatchNorm2d)]
    assert len(net_convs) == len(convs) == len(net_bns)
    with torch.no_grad():
        for conv, bn, node in zip(net_convs, net_bns, convs, strict=True):
            conv.weight.copy_(torch.from_numpy(init[node.input[1]].copy()))
            bn.weight.fill_(1.0)
            bn.bias.copy_(torch.from_numpy(init[node.input[2]]))
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
        net.head.weight.copy_(torch.from_numpy(init["net.head.weight"]))
        net.head.bias.copy_(torch.from_numpy(init["net.head.bias"]))
    return net.eval(), size, 1.0 / inv_t, tta


class Member(nn.Module):
    def __init__(self, net: nn.Module, size: int, in_size: int, temperature: float, tta: bool):
        super().__init__()
        self.net, self.size, self.tta = net, size, tta
        self.register_buffer("inv_t", torch.tensor(1.0 / temperature, dtype=torch.float32))
        self.resize = size != in_size
        if self.resize:
            a = torch.tensor(pillow_bilinear_matrix(in_size, size), dtype=torch.float32)
            self.register_buffer("rs", a)
            self.register_buffer("rs_t", a.t().contiguous())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.resize:
            x = torch.matmul(torch.matmul(self.rs, x), self.rs_t)
        if self.tta:
            n = x.shape[0]
            views = torch.cat([x, torch.flip(x, [3]), torch.flip(x, [2]), torch.flip(x, [2, 3])], 0)
            z = self.net(views).reshape(4, n, -1).mean(0)
        else:
            z = self.net(x)
        return z * self.inv_t


class EnsembleWrapper(nn.Module):
    """Mean of calibrated member logits; probs = softmax((mean - tau*log_prior) / T_ens)."""

    def __init__(self, members: list[Member], temperature: float, shift: np.ndarray | None):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.register_buffer("inv_t", torch.tensor(1.0 / temperature, dtype=torch.float32))
        s = np.zeros(len(data.CLASSES)) if shift is None else shift
        self.register_buffer("shift", torch.tensor(s, dtype=torch.float32).view(1, -1))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.members[0](x)
        for m in self.members[1:]:
            z = z + m(x)
        z = z / len(self.members)
        return z, torch.softmax((z - self.shift) * self.inv_t, dim=1)


def trained_with(member: dict, arg: str, default: object) -> object:
    """A training argument of ``member`` (``default`` for an ONNX-file member: no summary)."""
    return member.get("summary", {}).get("args", {}).get(arg, default)


def load_member(spec: str) -> dict:
    """``runs/<name>`` (a training run) or ``onnx:<path>`` (a single-model export)."""
    if spec.startswith("onnx:"):
        path = Path(spec[5:])
        net, size, temp, tta = lesionnet_from_onnx(path)
        return {
            "spec": spec,
            "net": net,
            "size": size,
            "temperature": temp,
            "tta": tta,
            "arch": f"r8-{net.stem[0].out_channels}",
            "from": path.name,
        }
    run = Path(spec)
    ck = torch.load(run / "best.pt")
    summ = json.loads((run / "summary.json").read_text())
    net = build(ck["arch"])
    net.load_state_dict(ck["state_dict"])
    return {
        "spec": spec,
        "net": net.eval(),
        "size": int(ck["size"]),
        "temperature": summ["temperature"],
        "tta": summ["tta"],
        "arch": ck["arch"],
        "summary": summ,
        "from": run.name,
    }


@torch.no_grad()
def run_graph(wrap: nn.Module, x: np.ndarray, bs: int = 128) -> tuple[np.ndarray, np.ndarray]:
    zs, ps = [], []
    for i in range(0, len(x), bs):
        z, p = wrap(torch.from_numpy(data.normalise(x[i : i + bs])))
        zs.append(z.numpy())
        ps.append(p.numpy())
    return np.concatenate(zs).astype(np.float64), np.concatenate(ps).astype(np.float64)


def val_scores(p: np.ndarray, y: np.ndarray) -> dict[str, float]:
    pred = p.argmax(1)
    return {
        "acc": float(np.mean(pred == y)),
        "auc": metrics.macro_auc(p, y),
        "bacc": metrics.balanced_accuracy(pred, y, len(data.CLASSES)),
        "crit": float((np.mean(pred == y) + metrics.macro_auc(p, y)) / 2),
    }


def main() -> None:  # noqa: PLR0915
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("cmd", choices=["measure", "export"])
    ap.add_argument("--member", action="append", required=True)
    ap.add_argument(
        "--tta",
        choices=["auto", "on", "off"],
        default="auto",
        help="flip TTA on every member (auto: as each member's run chose)",
    )
    ap.add_argument("--tau", type=float, default=0.0, help="balanced rule folded into probs")
    ap.add_argument("--name", default="ens")
    ap.add_argument("--ship", action="store_true", help="write models/lesion_classifier.onnx")
    ap.add_argument(
        "--split",
        choices=data.SPLITS,
        default="product",
        help="the members' training split (dermamnist: the MedMNIST-protocol benchmark model)",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="also copy the ONNX file here, with a small JSON record beside it (benchmark model)",
    )
    args = ap.parse_args()
    torch.set_num_threads(1)

    mem = [load_member(s) for s in args.member]
    for m in mem:
        member_split = trained_with(m, "split", "product")
        if member_split != args.split:
            raise SystemExit(
                f"{m['spec']} was trained on split {member_split!r}, not {args.split!r}"
            )
    in_size = max(m["size"] for m in mem)
    table = data.load_table()
    imgs = data.load_images(table, in_size)
    masks = data.masks_for_model(table, args.split)
    yv, yc = table.y[masks["val"]], table.y[masks["val_clean"]]
    xv, xc = imgs[masks["val"]], imgs[masks["val_clean"]]
    # Training prior and class weights (same recipe for every member): the balanced rule's prior.
    tr_counts = np.bincount(table.y[masks["train"]], minlength=len(data.CLASSES)).astype(np.float64)
    powers = {trained_with(m, "balance_power", 0.5) for m in mem}
    w = tr_counts ** -float(powers.pop() if len(powers) == 1 else 0.5)
    eff = tr_counts * w / np.sum(tr_counts * w)  # the prior the weighted loss effectively learns
    log_prior = np.log(eff)

    def build_members(tta_mode: str) -> list[Member]:
        out = []
        for m in mem:
            tta = m["tta"] if tta_mode == "auto" else tta_mode == "on"
            out.append(Member(m["net"], m["size"], in_size, m["temperature"], tta))
        return out

    report: dict[str, object] = {
        "members": [
            {k: v for k, v in m.items() if k in ("spec", "size", "temperature", "tta", "arch")}
            for m in mem
        ]
    }
    # Each member alone (through the graph's resize) and the ensemble, val only.
    for i in range(len(mem)):
        one = EnsembleWrapper([build_members(args.tta)[i]], 1.0, None).eval()
        report[f"member{i}_val"] = val_scores(run_graph(one, xv)[1], yv)
    ens = EnsembleWrapper(build_members(args.tta), 1.0, None).eval()
    zv, _ = run_graph(ens, xv)
    zc, _ = run_graph(ens, xc)
    t_ens = metrics.fit_temperature(zc, yc)
    report["ensemble_val"] = val_scores(metrics.softmax(zv / t_ens), yv)
    report["t_ens"] = t_ens
    report["val_clean_ece"] = {
        "before": metrics.ece(metrics.softmax(zc), yc),
        "after": metrics.ece(metrics.softmax(zc / t_ens), yc),
    }
    # Balanced rule: tau sweep on val (argmax of logits - tau*log_prior), T refitted after it.
    sweep = {}
    for tau in (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5):
        sh = tau * log_prior
        t2 = metrics.fit_temperature(zc - sh, yc)
        pv = metrics.softmax((zv - sh) / t2)
        sweep[tau] = val_scores(pv, yv) | {
            "T": t2,
            "ece_val_clean": metrics.ece(metrics.softmax((zc - sh) / t2), yc),
        }
    report["tau_sweep_val"] = sweep
    print(json.dumps(report, indent=1, default=float))
    if args.cmd == "measure":
        return

    shift = args.tau * log_prior
    t_fin = metrics.fit_temperature(zc - shift, yc)
    wrap = EnsembleWrapper(build_members(args.tta), t_fin, shift).eval()
    run = data.RUNS / args.name
    run.mkdir(parents=True, exist_ok=True)
    out = run / "lesion_classifier.onnx"
    write_graph(
        wrap,
        in_size,
        out,
        "DermAI lesion_classifier: decision support for clinicians, not a diagnosis.",
    )
    parity_figures = parity(out, wrap, data.normalise(xv[:64]))
    final_val = val_scores(metrics.softmax((zv - shift) / t_fin), yv)
    base = next(m for m in mem if "summary" in m)["summary"]
    tta_any = any(mm.tta for mm in wrap.members)
    summ = dict(base)
    summ.update(
        {
            "temperature": t_fin,
            "tta": tta_any,
            "val_clean": {
                "n": len(yc),
                "nll_before": metrics.nll(zc - shift, yc),
                "nll_after": metrics.nll(zc - shift, yc, t_fin),
                "ece_before": metrics.ece(metrics.softmax(zc - shift), yc),
                "ece_after": metrics.ece(metrics.softmax((zc - shift) / t_fin), yc),
            },
        }
    )
    params = int(sum(p.numel() for mm in mem for p in mm["net"].parameters()))
    info = {
        "arch": " + ".join(f"{m['arch']}@{m['size']}px ({m['from']})" for m in mem),
        "size": in_size,
        "temperature": t_fin,
        "tta": tta_any,
        "params": params,
        "parity_onnxruntime_vs_torch": parity_figures,
        "train_summary": summ,
        "ensemble": report
        | {
            "tau": args.tau,
            "shift": shift.tolist(),
            "log_prior": log_prior.tolist(),
            "members_tta": [mm.tta for mm in wrap.members],
            "final_val": final_val,
        },
    }
    (run / "export.json").write_text(json.dumps(info, indent=2, default=float) + "\n")
    print(
        json.dumps(
            {"parity": parity_figures, "T": t_fin, "tau": args.tau, "bytes": out.stat().st_size}
        )
    )
    if args.ship:
        if args.split != "product":
            raise SystemExit("only a product-split model can be shipped in the app")
        (data.REPO / "models" / "lesion_classifier.onnx").write_bytes(out.read_bytes())
        print("shipped")
    if args.out:
        import hashlib

        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(out.read_bytes())
        record = {
            "file": args.out.name,
            "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
            "split": args.split,
            "members": [
                {
                    "spec": m["spec"],
                    "arch": m["arch"],
                    "size": m["size"],
                    "best_epoch": m.get("summary", {}).get("best_epoch"),
                    "epochs_run": m.get("summary", {}).get("epochs_run"),
                    "train_minutes": m.get("summary", {}).get("train_minutes"),
                    "args": m.get("summary", {}).get("args"),
                }
                for m in mem
            ],
            "val": report,
            "final_val": final_val,
            "temperature": t_fin,
            "parity_onnxruntime_vs_torch": parity_figures,
        }
        args.out.with_suffix(".json").write_text(json.dumps(record, indent=2, default=float) + "\n")
        print(f"written {args.out}")


if __name__ == "__main__":
    main()
