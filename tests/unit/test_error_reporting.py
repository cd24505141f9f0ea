"""Incident ids, plain bug messages, and Sentry reports proven free of patient data."""

from __future__ import annotations

import json
import logging
import re
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from dermai_desktop import error_reporting
from dermai_desktop.domain.errors import DatabaseCorrupt, WrongRecoveryKey
from dermai_desktop.error_reporting import (
    describe_error,
    describe_unexpected,
    init_sentry,
    install_exception_hooks,
    new_incident_id,
    scrub_breadcrumb,
    shutdown_sentry,
    workstation_tag,
)
from dermai_desktop.logging_setup import (
    LOG_FILENAME,
    clear_registered_phi,
    configure_logging,
    installed_handlers,
    reset_logging,
)

SENTINEL = "Zyxwvutsonian"
DOB = "1984-02-29"
DSN = "https://public@sentry.invalid/1"
INCIDENT_RE = re.compile(r"^INC-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$")


class MemoryTransport(Transport):
    """Keeps envelopes in memory: nothing goes over the network."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def serialized(self) -> bytes:
        return b"".join(envelope.serialize() for envelope in self.envelopes)

    def events(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for envelope in self.envelopes:
            for item in envelope.items:
                if item.type == "event":
                    found.append(json.loads(item.get_bytes()))
        return found


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    yield
    shutdown_sentry()
    reset_logging()
    clear_registered_phi()


@pytest.fixture
def transport() -> MemoryTransport:
    return MemoryTransport()


@pytest.fixture
def sentry_on(transport: MemoryTransport) -> MemoryTransport:
    assert init_sentry(DSN, "test", "dermai-desktop@0.1.0", transport, workstation_id="WS-0001")
    return transport


def test_incident_ids_are_short_readable_and_unique() -> None:
    ids = {new_incident_id() for _ in range(2_000)}
    assert len(ids) == 2_000
    for incident_id in ids:
        assert INCIDENT_RE.match(incident_id), incident_id


def test_describe_unexpected_gives_a_plain_message_and_logs_the_trace(tmp_path: Path) -> None:
    configure_logging(tmp_path, console=False, debug=False)
    try:
        raise RuntimeError(f"broken chart for {SENTINEL}")
    except RuntimeError as exc:
        incident_id, message = describe_unexpected(exc)
    for handler in installed_handlers():
        handler.flush()

    assert INCIDENT_RE.match(incident_id)
    assert message == (
        "Something went wrong inside DermAI Desktop. Nothing you entered was lost. "
        f"Incident {incident_id}; please give this number to IT."
    )
    assert SENTINEL not in message
    assert "RuntimeError" not in message
    raw = (tmp_path / LOG_FILENAME).read_text(encoding="utf-8")
    assert SENTINEL not in raw
    entry = json.loads(raw.splitlines()[-1])
    assert entry["incident_id"] == incident_id
    assert entry["exc_type"] == "RuntimeError"
    assert "test_describe_unexpected_gives_a_plain_message" in entry["exc_trace"]


def test_describe_error_shows_expected_errors_as_they_are() -> None:
    incident_id, message = describe_error(DatabaseCorrupt())
    assert incident_id is None
    assert message == DatabaseCorrupt().user_text()
    bug_id, bug_message = describe_error(ZeroDivisionError("x"))
    assert bug_id is not None
    assert bug_id in bug_message


@pytest.mark.parametrize("dsn", ["", "   "])
def test_empty_dsn_leaves_sentry_off(dsn: str, transport: MemoryTransport) -> None:
    assert init_sentry(dsn, "production", "1.0", transport) is False
    assert not sentry_sdk.get_client().is_active()
    try:
        raise RuntimeError("nobody hears this")
    except RuntimeError as exc:
        describe_unexpected(exc)
    assert transport.envelopes == []


def _open_chart_for(patient_name: str, date_of_birth: str) -> None:
    # Locals and source literals holding PHI: the report must carry neither.
    chart = {"name": patient_name, "dob": date_of_birth}
    sentry_sdk.add_breadcrumb(
        category="chart", level="info", message=f"opening {patient_name}", data=chart
    )
    logging.getLogger("dermai_desktop.charts").warning("slow chart for %s", patient_name)
    try:
        raise KeyError(patient_name)
    except KeyError as exc:
        raise ValueError(f"chart {patient_name} born {date_of_birth} is inconsistent") from exc


def test_sentry_report_carries_no_patient_data(sentry_on: MemoryTransport) -> None:
    with sentry_sdk.isolation_scope() as scope:
        scope.set_user({"username": SENTINEL, "email": "z@example.org"})
        scope.set_extra("patient", SENTINEL)
        scope.set_tag("patient", SENTINEL)
        scope.set_context("patient", {"name": SENTINEL, "dob": DOB})
        sentry_sdk.add_breadcrumb(category="ui", message=f"typed {SENTINEL}", data={"d": DOB})
        try:
            _open_chart_for(SENTINEL, DOB)
        except ValueError as exc:
            incident_id, _ = describe_unexpected(exc)
    sentry_sdk.flush()

    events = sentry_on.events()
    assert len(events) == 1, "one bug, one report (no logging integration side events)"
    payload = sentry_on.serialized()
    text = payload.decode("utf-8")
    for secret in (SENTINEL, SENTINEL.lower(), DOB, "z@example.org"):
        assert secret not in text, secret
    hostname = socket.gethostname()
    if len(hostname) >= 6:
        assert hostname not in text

    event = events[0]
    assert event["tags"] == {
        "incident_id": incident_id,
        "workstation": workstation_tag("WS-0001"),
    }
    assert "WS-0001" not in text
    assert event["release"] == "dermai-desktop@0.1.0"
    assert event["environment"] == "test"
    assert set(event["contexts"]) == {"os", "runtime"}
    assert event["contexts"]["runtime"]["version"].startswith(
        f"{sys.version_info.major}.{sys.version_info.minor}"
    )
    for absent in ("user", "extra", "request", "server_name", "modules", "message"):
        assert absent not in event, absent

    values = event["exception"]["values"]
    assert [v["type"] for v in values] == ["KeyError", "ValueError"]
    assert all(v["value"] == "[redacted]" for v in values)
    frames = [frame for v in values for frame in v["stacktrace"]["frames"]]
    assert any(frame["function"] == "_open_chart_for" for frame in frames)
    assert all("lineno" in frame for frame in frames)
    for frame in frames:
        for key in ("vars", "context_line", "pre_context", "post_context", "abs_path"):
            assert key not in frame, key

    crumbs = event.get("breadcrumbs", {}).get("values", [])
    assert crumbs, "breadcrumbs are kept, minus their content"
    for crumb in crumbs:
        assert set(crumb) <= {"category", "level", "timestamp", "type"}


def test_expected_error_message_survives_but_its_cause_does_not(
    sentry_on: MemoryTransport,
) -> None:
    try:
        try:
            raise ValueError(f"bad bytes for {SENTINEL}")
        except ValueError as exc:
            raise WrongRecoveryKey from exc
    except WrongRecoveryKey as exc:
        sentry_sdk.capture_exception(exc)
    sentry_sdk.flush()

    (event,) = sentry_on.events()
    by_type = {v["type"]: v["value"] for v in event["exception"]["values"]}
    assert by_type["WrongRecoveryKey"] == WrongRecoveryKey.default_message
    assert by_type["ValueError"] == "[redacted]"
    assert SENTINEL not in sentry_on.serialized().decode()


class LookalikeError(Exception):
    """Same-looking name, not an ExpectedError: its message is not trusted."""


def test_lookalike_exception_names_are_not_trusted(sentry_on: MemoryTransport) -> None:
    LookalikeError.__name__ = "WrongRecoveryKey"
    try:
        raise LookalikeError(SENTINEL)
    except LookalikeError as exc:
        sentry_sdk.capture_exception(exc)
    sentry_sdk.flush()
    (event,) = sentry_on.events()
    assert event["exception"]["values"][-1]["value"] == "[redacted]"


def test_capture_message_text_is_dropped(sentry_on: MemoryTransport) -> None:
    sentry_sdk.capture_message(f"saved {SENTINEL}")
    sentry_sdk.flush()
    (event,) = sentry_on.events()
    assert event["message"] == "[redacted]"
    assert SENTINEL not in sentry_on.serialized().decode()


def test_no_workstation_tag_unless_given(transport: MemoryTransport) -> None:
    assert init_sentry(DSN, "test", "1.0", transport)
    sentry_sdk.capture_exception(RuntimeError("x"))
    sentry_sdk.flush()
    (event,) = transport.events()
    assert "workstation" not in event.get("tags", {})
    assert "server_name" not in event


def test_shutdown_makes_later_reports_a_no_op(transport: MemoryTransport) -> None:
    assert init_sentry(DSN, "test", "1.0", transport)
    shutdown_sentry()
    assert not sentry_sdk.get_client().is_active()
    try:
        raise RuntimeError("after shutdown")
    except RuntimeError as exc:
        describe_unexpected(exc)
    assert transport.envelopes == []


def test_scrub_breadcrumb_keeps_only_category_level_timestamp() -> None:
    crumb = scrub_breadcrumb(
        {
            "category": "query",
            "level": "info",
            "timestamp": "t",
            "message": SENTINEL,
            "data": {"p": DOB},
        },
        {},
    )
    assert crumb == {"category": "query", "level": "info", "timestamp": "t"}


def test_exception_hooks_route_bugs_and_restore() -> None:
    shown: list[tuple[str, str]] = []
    previous_hook, previous_thread_hook = sys.excepthook, threading.excepthook
    restore = install_exception_hooks(lambda incident, message: shown.append((incident, message)))
    try:
        try:
            raise RuntimeError(SENTINEL)
        except RuntimeError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)

        def fail() -> None:
            raise WrongRecoveryKey

        thread = threading.Thread(target=fail)
        thread.start()
        thread.join()
    finally:
        restore()
    assert sys.excepthook is previous_hook
    assert threading.excepthook is previous_thread_hook
    assert len(shown) == 2
    assert INCIDENT_RE.match(shown[0][0])
    assert SENTINEL not in shown[0][1]
    assert shown[1] == ("", WrongRecoveryKey().user_text())


def test_module_does_not_import_qt_or_storage() -> None:
    source = Path(error_reporting.__file__).read_text(encoding="utf-8")
    for forbidden in ("PySide6", "sqlalchemy", "dermai_desktop.storage", "dermai_desktop.ui"):
        assert forbidden not in source
