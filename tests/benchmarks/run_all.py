"""Run every benchmark and print a Markdown table for the README.

Usage: ``python -m tests.benchmarks.run_all [--only NAME ...] [--table-only]``.
Each benchmark writes ``tests/benchmarks/results/<name>.json``; ``--table-only`` prints
the table from those files without measuring again. Run on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from typing import Any

from tests.benchmarks import (
    test_bench_analysis,
    test_bench_argon2,
    test_bench_chart_open,
    test_bench_cold_start,
    test_bench_db_open,
    test_bench_imaging,
    test_bench_orm_workload,
    test_bench_patient_search,
    test_bench_schedule_week,
    test_bench_viewer_first_paint,
)
from tests.benchmarks._common import RESULTS_DIR

BENCHMARKS: dict[str, Callable[[], dict[str, Any]]] = {
    test_bench_cold_start.NAME: test_bench_cold_start.run,
    test_bench_db_open.NAME: test_bench_db_open.run,
    test_bench_orm_workload.NAME: test_bench_orm_workload.run,
    test_bench_argon2.NAME: test_bench_argon2.run,
    test_bench_chart_open.NAME: test_bench_chart_open.run,
    test_bench_schedule_week.NAME: test_bench_schedule_week.run,
    test_bench_patient_search.NAME: test_bench_patient_search.run,
    test_bench_imaging.NAME: test_bench_imaging.run,
    test_bench_viewer_first_paint.NAME: test_bench_viewer_first_paint.run,
    test_bench_analysis.NAME: test_bench_analysis.run,
}


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS_DIR / f"{name}.json"
    if not path.exists():
        return None
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def markdown_table(results: dict[str, dict[str, Any]]) -> str:
    rows: list[tuple[str, str, str]] = []
    if cold := results.get("cold_start"):
        rows.append(
            (
                "Cold start to a usable login window (demo clinic, offscreen)",
                f"{cold['app_median_ms']:.0f} ms",
                f"floor (PySide6 import + QApplication) {cold['floor_median_ms']:.0f} ms; "
                f"ratio {cold['ratio']:.1f}x; median of {cold['runs']}",
            )
        )
    if db := results.get("db_open"):
        rows.append(
            (
                "Database open with the raw key + first query",
                f"{db['raw_key_median_ms']:.1f} ms (p95 {db['raw_key_p95_ms']:.1f} ms)",
                f"{db['opens']} opens; a PBKDF2 passphrase key (kdf_iter "
                f"{db['passphrase_kdf_iter']}) would add {db['passphrase_median_ms']:.0f} ms",
            )
        )
    if orm := results.get("orm_workload"):
        for phase, label in (
            ("insert", f"insert {orm['patients']:,} patients"),
            ("lookup", f"{orm['lookups']:,} point lookups"),
            ("update", f"{orm['updates']:,} single-row update transactions"),
        ):
            fig = orm["phases"][phase]
            rows.append(
                (
                    f"ORM workload: {label}",
                    f"{fig['ratio']:.2f}x",
                    f"SQLCipher {fig['sqlcipher_s']:.2f} s vs SQLite {fig['sqlite_s']:.2f} s; "
                    f"median of {orm['runs']}",
                )
            )
        total = orm["total"]
        verdict = "met" if total["ratio"] <= orm["goal_ratio"] else "NOT met"
        rows.append(
            (
                "ORM workload: total",
                f"{total['ratio']:.2f}x",
                f"SQLCipher {total['sqlcipher_s']:.2f} s vs SQLite {total['sqlite_s']:.2f} s; "
                f"goal <= {orm['goal_ratio']}x {verdict}",
            )
        )
    if argon := results.get("argon2"):
        p, r = argon["password_params"], argon["recovery_params"]
        rows.append(
            (
                "Argon2id password hash",
                f"{argon['password_hash_median_ms']:.0f} ms",
                f"t={p['time_cost']}, m={p['memory_cost_kib'] // 1024} MiB, p={p['parallelism']}; "
                f"median of {argon['password_runs']}",
            )
        )
        rows.append(
            (
                "Argon2id recovery-key KDF",
                f"{argon['recovery_kdf_median_ms']:.0f} ms",
                f"t={r['time_cost']}, m={r['memory_cost_kib'] // 1024} MiB, p={r['parallelism']}; "
                f"median of {argon['recovery_runs']}; only on a recovery unlock",
            )
        )
    if week := results.get("schedule_week"):
        rows.append(
            (
                f"Schedule week view, {week['appointments']:,} appointments (map + layout + paint)",
                f"{week['full_week_median_ms']:.0f} ms (p95 {week['full_week_p95_ms']:.0f} ms)",
                f"goal <= {week['goal_ms']:.0f} ms; one on-screen repaint "
                f"{week['viewport_paint_median_ms']:.0f} ms; median of {week['runs']}",
            )
        )
    if chart := results.get("chart_open"):
        rows.append(
            (
                f"Open a chart: {chart['visits']} visits, {chart['lesions']} lesions, "
                f"{chart['images']} images (services + build + first paint)",
                f"{chart['median_ms']:.0f} ms (p95 {chart['p95_ms']:.0f} ms)",
                f"goal <= {chart['goal_ms']:.0f} ms; services {chart['service_median_ms']:.0f} ms; "
                f"Visits tab first shown {chart['visits_tab_median_ms']:.0f} ms; "
                f"median of {chart['runs']}",
            )
        )
    if search := results.get("patient_search"):
        for kind, label in (
            ("name_prefix", "family-name prefix (3-5 letters)"),
            ("name_full", "family name + given prefix"),
            ("mrn", "MRN"),
            ("phone", "phone number"),
            ("dob", "date of birth (4 typed formats)"),
        ):
            fig = search["kinds"][kind]
            rows.append(
                (
                    f"Patient search at {search['patients']:,} patients: {label}",
                    f"p95 {fig['p95_ms']:.2f} ms",
                    f"p50 {fig['p50_ms']:.2f} ms; goal p95 <= {search['goal_p95_ms']:.0f} ms",
                )
            )
    if imaging := results.get("imaging"):
        first = imaging["first_preview_decrypt_and_decode"]
        rows.append(
            (
                "24 MP JPEG: decrypt + reduced preview decode (max side 1600)",
                f"{first['p50_ms']:.0f} ms (p95 {first['p95_ms']:.0f} ms)",
                f"{imaging['image']}; goal <= {imaging['goal_first_preview_ms']:.0f} ms; "
                f"full decode {imaging['full_decode']['p50_ms']:.0f} ms",
            )
        )
        rows.append(
            (
                "24 MP JPEG import: checks + lossless metadata strip + thumbnail; encrypted put",
                f"{imaging['ingest']['p50_ms']:.0f} ms + {imaging['store_put']['p50_ms']:.0f} ms",
                f"p95 {imaging['ingest']['p95_ms']:.0f} ms + "
                f"{imaging['store_put']['p95_ms']:.0f} ms; "
                f"24 real photos: {imaging['import_24_photos']['images_per_s']:.0f} photos/s",
            )
        )
    if viewer := results.get("viewer_first_paint"):
        rows.append(
            (
                "Viewer: open a 24 MP JPEG to the first painted frame",
                f"**{viewer['median_ms']:.0f} ms** (p95 {viewer['p95_ms']:.0f} ms)",
                f"goal <= {viewer['goal_ms']:.0f} ms; {viewer['image_px']} from the encrypted "
                f"store through the real services; full resolution on screen after "
                f"{viewer['full_resolution_median_ms']:.0f} ms",
            )
        )
    if analysis := results.get("analysis"):
        classifier, segmenter = analysis["classifier"], analysis["segmenter"]
        rows.append(
            (
                "Lesion analysis: model inference, one thread "
                f"({analysis['input']} input; classifier / segmenter)",
                f"{classifier['p50_ms']:.1f} / {segmenter['p50_ms']:.1f} ms",
                f"p95 {classifier['p95_ms']:.1f} / {segmenter['p95_ms']:.1f} ms; "
                f"goal <= {analysis['goal_inference_ms']:.0f} ms; batch "
                f"{analysis['classifier_batch_images_per_s']:.0f} / "
                f"{analysis['segmenter_batch_images_per_s']:.0f} images/s; models "
                f"{analysis['total_model_mb']:.1f} MB (goal <= {analysis['goal_total_mb']:.0f} MB)",
            )
        )
        rows.append(
            (
                "Lesion analysis: whole Analyze call (decode, quality, segment, ABCD, classify)",
                f"**{analysis['analyze_600x450']['p50_ms']:.0f} ms** "
                f"(p95 {analysis['analyze_600x450']['p95_ms']:.0f} ms)",
                f"24 real 600x450 photos x3; a 24 MP JPEG p50 "
                f"{analysis['analyze_24mp']['p50_ms']:.0f} ms (p95 "
                f"{analysis['analyze_24mp']['p95_ms']:.0f} ms); goal < 1 s",
            )
        )
    machine = next(iter(results.values()), {}).get("machine", {})
    lines = [
        f"Measured on {machine.get('platform', '?')}, {machine.get('cpus', '?')} CPUs, "
        f"Python {machine.get('python', '?')}.",
        "",
        "| Benchmark | Result | Details |",
        "|---|---|---|",
        *(f"| {a} | {b} | {c} |" for a, b, c in rows),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), default=None)
    parser.add_argument("--table-only", action="store_true", help="reprint the saved results")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    names = args.only or list(BENCHMARKS)
    if not args.table_only:
        for name in names:
            start = time.perf_counter()
            BENCHMARKS[name]()
            print(f"  ({name} took {time.perf_counter() - start:.0f} s)", flush=True)
    results = {name: result for name in BENCHMARKS if (result := _load(name)) is not None}
    print()
    print(markdown_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
