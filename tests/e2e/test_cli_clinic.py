"""A real clinic made by ``init``, managed through the command as IT and a manager would."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.conftest import CLINIC_NAME, MANAGER, Cli, Clinic, assert_plain_failure

NURSE_PASSWORD = "copper-thistle-harbor-41"
NURSE_NEW_PASSWORD = "velvet-canyon-pebble-78"


def test_init_prints_the_recovery_key_in_groups_and_writes_no_plaintext_key(
    clinic: Clinic,
) -> None:
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){7}", clinic.recovery_key)
    result = json.loads(clinic.init_stdout)
    assert Path(result["data_dir"]) == clinic.cli.data_dir
    data_dir = clinic.cli.data_dir
    assert (data_dir / "clinic.db").is_file()
    assert (data_dir / "keyslots.json").is_file()
    # A real clinic never uses the demo key file: its key lives in the (test) keychain.
    assert not list(data_dir.glob("DEMO-KEY*"))
    assert json.loads(clinic.cli.keyring_file.read_text())
    assert "Traceback" not in clinic.init_stderr


def test_init_refuses_a_second_clinic_in_the_same_directory(clinic: Clinic, tmp_path: Path) -> None:
    cli = clinic.copy(tmp_path).cli
    before = (cli.data_dir / "keyslots.json").read_bytes()
    proc = cli.run(
        "init",
        "--clinic-name",
        "Other",
        "--workstation-name",
        "W",
        "--manager-username",
        "other",
        "--manager-full-name",
        "O Ther",
        "--password-stdin",
        stdin=["quiet-falcon-ribbon-66"],
    )
    assert_plain_failure(proc, 3)
    assert (cli.data_dir / "keyslots.json").read_bytes() == before


def _users(cli: Cli) -> dict[str, dict[str, object]]:
    proc = cli.as_manager("user", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    return {u["username"]: u for u in json.loads(proc.stdout)}


def test_manager_adds_resets_and_disables_a_user(clinic: Clinic, tmp_path: Path) -> None:
    cli = clinic.copy(tmp_path).cli
    proc = cli.as_manager(
        "user",
        "add",
        "jnurse",
        "--full-name",
        "Jo Nurse",
        "--role",
        "dermatologist",
        extra_stdin=[NURSE_PASSWORD],
    )
    assert proc.returncode == 0, proc.stderr
    users = _users(cli)
    assert set(users) == {MANAGER, "jnurse"}
    assert users["jnurse"]["role"] == "dermatologist"
    assert users["jnurse"]["active"] is True

    proc = cli.as_manager("user", "reset-password", "jnurse", extra_stdin=[NURSE_NEW_PASSWORD])
    assert proc.returncode == 0, proc.stderr
    # The new password signs in (a dermatologist may not list users: refused AFTER sign-in);
    # the old one no longer does.
    new = cli.run("user", "list", "--as", "jnurse", "--password-stdin", stdin=[NURSE_NEW_PASSWORD])
    assert_plain_failure(new, 3)
    assert "Not permitted" in new.stderr
    old = cli.run("user", "list", "--as", "jnurse", "--password-stdin", stdin=[NURSE_PASSWORD])
    assert_plain_failure(old, 3)
    assert "Sign-in failed" in old.stderr

    proc = cli.as_manager("user", "disable", "jnurse")
    assert proc.returncode == 0, proc.stderr
    assert _users(cli)["jnurse"]["active"] is False
    disabled = cli.run(
        "user", "list", "--as", "jnurse", "--password-stdin", stdin=[NURSE_NEW_PASSWORD]
    )
    assert_plain_failure(disabled, 3)
    assert "disabled" in disabled.stderr.lower()


def test_wrong_password_exits_3_with_a_plain_message(clinic: Clinic) -> None:
    proc = clinic.cli.run(
        "user", "list", "--as", MANAGER, "--password-stdin", stdin=["not-the-password-at-all"]
    )
    assert_plain_failure(proc, 3)
    assert "Sign-in failed" in proc.stderr
    assert "not correct" in proc.stderr
    assert "not-the-password" not in proc.stderr


def test_audit_verify_passes_and_export_writes_csv(clinic: Clinic, tmp_path: Path) -> None:
    proc = clinic.cli.as_manager("audit", "verify", "--json")
    assert proc.returncode == 0, proc.stderr
    verdict = json.loads(proc.stdout)
    assert verdict["ok"] is True
    assert verdict["rows_checked"] >= 2  # set-up and at least one sign-in

    out = tmp_path / "audit.csv"
    today = datetime.now(UTC).date()
    proc = clinic.cli.as_manager(
        "audit",
        "export",
        "--from",
        str(today - timedelta(days=1)),
        "--to",
        str(today),
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    assert "action" in header
    assert len(body) >= 2
    actions = {row[header.index("action")].lower() for row in body}
    assert any("login" in action for action in actions)


def test_db_check_is_clean_in_text_and_json(clinic: Clinic) -> None:
    text = clinic.cli.run("db", "check")
    assert text.returncode == 0, text.stderr
    assert "Database OK" in text.stdout
    proc = clinic.cli.run("db", "check", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["ok"] is True
    assert report["integrity_check"] == ["ok"]
    assert report["cipher_integrity_problems"] == []
    assert report["rows_read"]["users"] == 1
    assert report["rows_read"]["audit_events"] >= 1
    assert report["images"] == {"checked": 0, "missing": [], "damaged": []}


def test_config_show_reports_sources_and_machine_locks(clinic: Clinic, tmp_path: Path) -> None:
    proc = clinic.cli.run("config", "show", "--json")
    assert proc.returncode == 0, proc.stderr
    settings = {s["name"]: s for s in json.loads(proc.stdout)}
    assert settings["security.idle_lock_minutes"]["source"] == "default"
    assert settings["security.idle_lock_minutes"]["locked"] is False
    assert {s["source"] for s in settings.values()} <= {"default", "machine", "clinic"}

    machine = tmp_path / "machine.toml"
    machine.write_text(
        '[settings]\n"security.idle_lock_minutes" = 5\nlocked = ["security.idle_lock_minutes"]\n',
        encoding="utf-8",
    )
    locked_cli = Cli(clinic.cli.data_dir, clinic.cli.keyring_file, machine_config=machine)
    proc = locked_cli.run("config", "show", "--json")
    assert proc.returncode == 0, proc.stderr
    setting = {s["name"]: s for s in json.loads(proc.stdout)}["security.idle_lock_minutes"]
    assert setting == {
        "name": "security.idle_lock_minutes",
        "value": 5,
        "source": "machine",
        "locked": True,
    }


def test_self_test_json_lists_its_checks(clinic: Clinic) -> None:
    proc = clinic.cli.run("self-test", "--json")
    report = json.loads(proc.stdout)
    assert proc.returncode == (0 if report["ok"] else 4), proc.stderr
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["import sqlcipher3"]["ok"] is True
    assert checks["Qt platform plugin"]["ok"] is True
    assert checks["keychain"]["ok"] is True
    assert "JsonFileTestKeyring" in checks["keychain"]["detail"]
    assert checks["database"]["ok"] is True, checks["database"]
    models = checks["lesion analysis models"]
    assert models["ok"] is True, models
    assert models["required"] is False  # the app works without them
    assert "verified and run" in models["detail"]
    assert CLINIC_NAME not in proc.stdout  # no clinic data in a machine check
