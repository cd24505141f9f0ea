"""Domain rules: ids, lockout back-off, the audit chain, the role table, errors."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dermai_desktop.domain import errors
from dermai_desktop.domain.audit import (
    GENESIS_MAC,
    AuditEvent,
    canonical_content,
    compute_mac,
    verify_chain,
)
from dermai_desktop.domain.ids import new_uuid7
from dermai_desktop.domain.patients import FitzpatrickType, Patient, Sex, SoapNote
from dermai_desktop.domain.roles import (
    PERMISSIONS,
    Operation,
    Role,
    is_allowed,
    permission_table_markdown,
)
from dermai_desktop.domain.users import MAX_FAILED_LOGINS, lockout_seconds, system_actor

KEY = b"audit-key-for-tests-0123456789ab"
T = datetime(2025, 1, 1, tzinfo=UTC)


# --- ids -----------------------------------------------------------------------------


def test_uuid7_format() -> None:
    value = uuid.UUID(new_uuid7())
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    millis = value.int >> 80
    now = int(datetime.now(UTC).timestamp() * 1000)
    assert abs(now - millis) < 5_000


def test_uuid7_time_ordered_and_unique() -> None:
    ids = [new_uuid7() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    # Within one millisecond the random tail decides; across milliseconds the prefix orders.
    prefixes = [i[:13] for i in ids]
    assert prefixes == sorted(prefixes)


# --- lockout -------------------------------------------------------------------------


def test_lockout_schedule() -> None:
    assert [lockout_seconds(n) for n in range(1, 10)] == [0, 0, 0, 0, 30, 60, 120, 240, 480]
    assert lockout_seconds(40) == 3600
    assert lockout_seconds(5, base_seconds=10) == 10
    assert MAX_FAILED_LOGINS == 5


@given(st.integers(0, 500))
def test_lockout_is_monotonic_and_capped(n: int) -> None:
    assert 0 <= lockout_seconds(n) <= lockout_seconds(n + 1) <= 3600


# --- audit chain ---------------------------------------------------------------------


def _chain(n: int, key: bytes = KEY) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    prev = GENESIS_MAC
    for seq in range(1, n + 1):
        event = AuditEvent(
            seq=seq,
            id=new_uuid7(),
            occurred_at=T + timedelta(seconds=seq),
            user_id="u1",
            username="derm",
            role="dermatologist",
            workstation_id="ws",
            action="view",
            entity_type="chart",
            entity_id=f"p{seq}",
            patient_id=f"p{seq}",
            outcome="success",
            detail="",
            prev_mac=prev,
            mac="",
        )
        event = replace(event, mac=compute_mac(key, prev, event))
        events.append(event)
        prev = event.mac
    return events


def test_intact_chain_verifies() -> None:
    verdict = verify_chain(KEY, _chain(10))
    assert (verdict.ok, verdict.rows_checked, verdict.first_broken_seq) == (True, 10, None)
    assert verify_chain(KEY, []).ok


def test_edited_row_detected() -> None:
    events = _chain(10)
    events[4] = replace(events[4], patient_id="someone-else")
    verdict = verify_chain(KEY, events)
    assert (verdict.ok, verdict.first_broken_seq, verdict.reason) == (
        False,
        5,
        "row content altered",
    )


def test_deleted_row_detected() -> None:
    events = _chain(10)
    del events[3]
    verdict = verify_chain(KEY, events)
    assert (verdict.ok, verdict.first_broken_seq, verdict.reason) == (False, 5, "row missing")


def test_deleted_first_row_detected() -> None:
    verdict = verify_chain(KEY, _chain(5)[1:])
    assert (verdict.ok, verdict.first_broken_seq) == (False, 2)


def test_inserted_row_detected() -> None:
    events = _chain(5)
    forged = _chain(6, key=b"attacker-key")[5]
    forged = replace(forged, seq=6, prev_mac=events[-1].mac)
    verdict = verify_chain(KEY, [*events, forged])
    assert (verdict.ok, verdict.first_broken_seq, verdict.reason) == (
        False,
        6,
        "row content altered",
    )


def test_inserted_row_with_renumbering_detected() -> None:
    events = _chain(5)
    shifted = [
        events[0],
        replace(events[1], seq=2),
        *[replace(e, seq=e.seq + 1) for e in events[1:]],
    ]
    verdict = verify_chain(KEY, shifted)
    assert not verdict.ok


def test_reordered_rows_detected() -> None:
    events = _chain(6)
    events[2], events[3] = events[3], events[2]
    verdict = verify_chain(KEY, events)
    # Swapping rows 3 and 4 shows first as a gap where row 3 should be.
    assert (verdict.ok, verdict.first_broken_seq) == (False, 4)


def test_replayed_row_detected_as_out_of_order() -> None:
    events = _chain(4)
    verdict = verify_chain(KEY, [*events, events[1]])
    assert (verdict.ok, verdict.first_broken_seq, verdict.reason) == (False, 2, "rows out of order")


def test_wrong_key_detected() -> None:
    assert not verify_chain(b"other", _chain(3)).ok


@given(st.integers(2, 30), st.data())
def test_any_single_edit_is_found_at_that_row(n: int, data: st.DataObject) -> None:
    events = _chain(n)
    index = data.draw(st.integers(0, n - 1))
    field = data.draw(st.sampled_from(["user_id", "action", "patient_id", "detail", "outcome"]))
    events[index] = replace(events[index], **{field: "tampered"})  # type: ignore[arg-type]
    verdict = verify_chain(KEY, events)
    assert not verdict.ok
    assert verdict.first_broken_seq == index + 1


def test_canonical_content_is_stable_ascii() -> None:
    event = replace(_chain(1)[0], detail="naïve ✓")
    content = canonical_content(event)
    assert content.isascii()
    assert content == canonical_content(event)


# --- roles ---------------------------------------------------------------------------


def test_permission_table_markdown() -> None:
    table = permission_table_markdown().splitlines()
    assert (
        table[0] == "| Operation | Dermatologist | Front desk | Clinic manager | IT administrator |"
    )
    assert len(table) == 2 + len(Operation)
    chart = next(line for line in table if "`chart.view`" in line)
    assert chart == "| `chart.view` | yes | — | — | — |"


def test_clinical_content_is_for_clinicians_only() -> None:
    for op in (Operation.CHART_VIEW, Operation.CHART_EDIT, Operation.NOTE_SIGN):
        assert PERMISSIONS[op] == {Role.DERMATOLOGIST}
    assert not is_allowed(Role.IT_ADMIN, Operation.DEMOGRAPHICS_VIEW)
    assert system_actor("ws").role is Role.IT_ADMIN  # type: ignore[arg-type]


# --- patients and errors -------------------------------------------------------------


def test_patient_helpers() -> None:
    patient = Patient(
        id="p",  # type: ignore[arg-type]
        mrn="DA000001",
        given_name="Ada",
        family_name="Lovelace",
        date_of_birth=date(1980, 5, 17),
        sex=Sex.FEMALE,
        phone="",
        email="",
        address="",
        fitzpatrick=FitzpatrickType.II,
        flags=(),
        version=1,
        created_at=T,
        updated_at=T,
    )
    assert patient.display_name == "Lovelace, Ada"
    assert patient.age_on(date(2025, 5, 16)) == 44
    assert patient.age_on(date(2025, 5, 17)) == 45
    assert [t.roman for t in FitzpatrickType] == ["I", "II", "III", "IV", "V", "VI"]
    note = SoapNote("n", "e", "p", "u", "", "", "", "", T, T, 1)  # type: ignore[arg-type]
    assert not note.is_signed
    assert Role.MANAGER.label == "Clinic manager"


def test_expected_errors_have_plain_text() -> None:
    for cls in vars(errors).values():
        if (
            isinstance(cls, type)
            and issubclass(cls, errors.ExpectedError)
            and cls is not errors.AccountLocked
        ):
            error = cls()
            assert error.user_text().startswith(error.message)
            assert error.title
    locked = errors.AccountLocked(75)
    assert "1 min 15 s" in locked.user_text()
    assert "45 s" in errors.AccountLocked(45).user_text()
    custom = errors.ValidationFailed("Bad.", "Fix it.")
    assert custom.user_text() == "Bad. Fix it."
