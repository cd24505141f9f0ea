"""Logging: JSON lines, rotation, redaction of PHI, console without tracebacks, idempotence."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from dermai_desktop.domain.errors import ConfigurationError, WrongRecoveryKey
from dermai_desktop.logging_setup import (
    LOG_FILENAME,
    RedactionFilter,
    clear_registered_phi,
    configure_bootstrap_logging,
    configure_logging,
    format_exception_safely,
    installed_handlers,
    redact,
    register_phi,
    reset_logging,
)

SENTINEL = "Zyxwvutsonian"
EMAIL = "zyx.patient@example.org"
PHONE = "+44 (0)20 7946 0958"
DOB = "1984-02-29"

log = logging.getLogger("dermai_desktop.test")


@pytest.fixture(autouse=True)
def _clean_logging() -> Iterator[None]:
    yield
    reset_logging()
    clear_registered_phi()


def _lines(log_dir: Path, name: str = LOG_FILENAME) -> list[dict[str, object]]:
    text = (log_dir / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def _flush() -> None:
    for handler in installed_handlers():
        handler.flush()


def _raise_with_phi() -> None:
    try:
        raise KeyError(SENTINEL)
    except KeyError as exc:
        raise ValueError(f"chart for {SENTINEL} born {DOB} failed") from exc


def test_one_json_object_per_line(tmp_path: Path) -> None:
    configure_logging(tmp_path, console=False, debug=False)
    log.info("opened encounter %s", "0192f3a4-5b6c-7d8e-9f01-234567890abc")
    log.warning("multi\nline message")
    try:
        _raise_with_phi()
    except ValueError:
        log.exception("save failed", extra={"incident_id": "INC-ABCD-EFGH"})
    _flush()

    entries = _lines(tmp_path)
    assert len(entries) == 3
    first, second, third = entries
    assert first["level"] == "INFO"
    assert first["logger"] == "dermai_desktop.test"
    assert first["message"] == "opened encounter 0192f3a4-5b6c-7d8e-9f01-234567890abc"
    assert str(first["ts"]).endswith("+00:00")
    assert "incident_id" not in first
    assert "exc_type" not in first
    assert second["message"] == "multi\nline message"
    assert third["incident_id"] == "INC-ABCD-EFGH"
    assert third["exc_type"] == "ValueError"
    trace = str(third["exc_trace"])
    assert "Traceback (most recent call last)" in trace
    assert "_raise_with_phi" in trace
    assert "KeyError: [redacted]" in trace
    assert "ValueError: [redacted]" in trace


def test_file_never_holds_phi(tmp_path: Path) -> None:
    register_phi(SENTINEL)
    configure_logging(tmp_path, console=False, debug=True)  # even --debug keeps the safety net
    log.info("patient %s, mail %s, phone %s, dob %s", SENTINEL, EMAIL, PHONE, DOB)
    log.info(f"f-string slip: {SENTINEL.upper()} {EMAIL}")  # the mistake under test
    try:
        _raise_with_phi()
    except ValueError:
        log.exception("save failed")
    _flush()

    raw = (tmp_path / LOG_FILENAME).read_text(encoding="utf-8")
    for secret in (SENTINEL, SENTINEL.lower(), EMAIL, PHONE, DOB, "7946 0958"):
        assert secret.lower() not in raw.lower(), secret
    entries = _lines(tmp_path)
    assert entries[0]["message"] == ("patient [redacted], mail [email], phone [phone], dob [date]")
    # With --debug the exception message is kept for the developer, but still redacted.
    assert "chart for [redacted] born [date] failed" in str(entries[2]["exc_trace"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dob 14/03/1980.", "dob [date]."),
        ("dob 03.14.1980", "dob [date]"),
        ("born 1980-3-4", "born [date]"),
        ("call 555-123-4567 now", "call [phone] now"),
        ("call 07700900123", "call [phone]"),
        ("mail a.b+c@clinic.co.uk", "mail [email]"),
    ],
)
def test_redact_patterns(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "note 0192f3a4-5b6c-7d8e-9f01-234567890123 signed",
        "incident INC-7Q4M-2KD9 line 42 pid 4321",
        "Python 3.11.9, SQLCipher 4.6.1",
        "took 12.5 ms at 10:42:07",
    ],
)
def test_redact_keeps_ids_and_versions(text: str) -> None:
    assert redact(text) == text


def test_short_registered_values_are_ignored() -> None:
    register_phi("Al", " ")
    assert redact("Alembic upgrade") == "Alembic upgrade"


def test_redaction_filter_drops_args() -> None:
    register_phi(SENTINEL)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "name=%s", (SENTINEL,), None)
    assert RedactionFilter().filter(record)
    assert record.args is None
    assert record.msg == "name=[redacted]"
    assert record.getMessage() == "name=[redacted]"


def test_redaction_filter_survives_bad_format() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 7, "%s %s", ("only-one",), None)
    assert RedactionFilter().filter(record)
    assert "unformattable" in str(record.msg)
    assert "only-one" not in str(record.msg)


def test_rotation(tmp_path: Path) -> None:
    configure_logging(tmp_path, console=False, debug=False, max_bytes=2_000, backup_count=2)
    for index in range(200):
        log.info("event number %d with some padding text", index)
    _flush()
    assert (tmp_path / LOG_FILENAME).exists()
    assert (tmp_path / f"{LOG_FILENAME}.1").exists()
    assert (tmp_path / f"{LOG_FILENAME}.2").exists()
    assert not (tmp_path / f"{LOG_FILENAME}.3").exists()
    for name in (LOG_FILENAME, f"{LOG_FILENAME}.1", f"{LOG_FILENAME}.2"):
        assert (tmp_path / name).stat().st_size <= 2_000
        assert _lines(tmp_path, name)  # every line of every file parses
    assert _lines(tmp_path)[-1]["message"] == "event number 199 with some padding text"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_log_files_are_owner_only(tmp_path: Path) -> None:
    configure_logging(tmp_path, console=False, debug=False, max_bytes=500, backup_count=1)
    for index in range(20):
        log.info("line %d", index)
    _flush()
    for path in tmp_path.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_idempotent_and_resettable(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    level_before = root.level
    configure_logging(tmp_path, console=True, debug=False)
    configure_logging(tmp_path, console=True, debug=False)
    ours = [h for h in root.handlers if h not in before]
    assert len(ours) == 2
    log.info("once")
    _flush()
    assert [e["message"] for e in _lines(tmp_path)] == ["once"]

    reset_logging()
    assert root.handlers == before
    assert root.level == level_before
    assert not list(installed_handlers())


def test_sqlalchemy_stays_quiet_even_in_debug(tmp_path: Path) -> None:
    configure_logging(tmp_path, console=False, debug=True)
    logging.getLogger("sqlalchemy.engine.Engine").info("SELECT * FROM patients WHERE name=?")
    logging.getLogger("sqlalchemy.engine.Engine").warning("pool exhausted")
    _flush()
    assert [e["message"] for e in _lines(tmp_path)] == ["pool exhausted"]


def test_level_threshold(tmp_path: Path) -> None:
    configure_logging(tmp_path, level="warning", console=False, debug=False)
    log.info("hidden")
    log.warning("shown")
    _flush()
    assert [e["message"] for e in _lines(tmp_path)] == ["shown"]


def test_unknown_level_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        configure_logging(tmp_path, level="CHATTY", console=False, debug=False)


def test_console_hides_bug_details_without_debug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(tmp_path, console=True, debug=False)
    try:
        _raise_with_phi()
    except ValueError:
        log.exception("save failed", extra={"incident_id": "INC-ABCD-EFGH"})
    err = capsys.readouterr().err
    assert "save failed" in err
    assert "INC-ABCD-EFGH" in err
    assert "ValueError; details in the log file" in err
    assert "Traceback" not in err
    assert "chart for" not in err
    assert SENTINEL not in err


def test_console_shows_expected_error_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(tmp_path, console=True, debug=False)
    try:
        raise WrongRecoveryKey
    except WrongRecoveryKey:
        log.warning("unlock refused", exc_info=True)
    err = capsys.readouterr().err
    assert WrongRecoveryKey.default_message in err
    assert "Traceback" not in err


def test_console_traceback_with_debug(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    register_phi(SENTINEL)
    configure_logging(tmp_path, console=True, debug=True)
    try:
        _raise_with_phi()
    except ValueError:
        log.exception("save failed")
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert SENTINEL not in err


def test_format_exception_keeps_expected_error_messages() -> None:
    try:
        try:
            raise KeyError(SENTINEL)
        except KeyError as exc:
            raise WrongRecoveryKey from exc
    except WrongRecoveryKey as exc:
        text = format_exception_safely(exc)
    assert f"WrongRecoveryKey: {WrongRecoveryKey.default_message}" in text
    assert "KeyError: [redacted]" in text
    assert SENTINEL not in text


def test_bootstrap_console_hides_bug_details_until_configured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    configure_bootstrap_logging()
    try:
        _raise_with_phi()
    except ValueError:
        log.exception("start-up failed")
    err = capsys.readouterr().err
    assert "ValueError; details in the log file" in err
    assert SENTINEL not in err
    assert "Traceback" not in err

    configure_logging(tmp_path, console=False, debug=False)
    ours = [h for h in root.handlers if h not in before]
    assert len(ours) == 1, "the bootstrap handler is replaced, not kept"
