"""The audit trail: events and the HMAC chain that makes tampering visible.

Each event's MAC covers its own canonical content and the previous event's
MAC, so editing, deleting, inserting or reordering any row breaks the chain
at that row. The key is derived from the database key, so only someone who
can open the database can forge a chain - and then the backups still differ.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

GENESIS_MAC = "0" * 64


class AuditAction(StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    LOCKOUT = "lockout"
    SESSION_LOCK = "session_lock"
    SESSION_UNLOCK = "session_unlock"
    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    SIGN = "sign"
    EXPORT = "export"
    PRINT = "print"
    PERMISSION_DENIED = "permission_denied"
    SETTINGS_CHANGE = "settings_change"
    KEY_CHANGE = "key_change"
    PASSWORD_CHANGE = "password_change"  # noqa: S105 - an event name, not a password
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an event name, not a password
    CLINIC_SETUP = "clinic_setup"
    DATABASE_CHECK = "database_check"
    AUDIT_VERIFY = "audit_verify"
    IMPORT = "import"


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One row of the trail. ``detail`` is a short PHI-free code or id list."""

    seq: int
    id: str
    occurred_at: datetime  # UTC
    user_id: str | None
    username: str | None
    role: str | None
    workstation_id: str
    action: str
    entity_type: str | None
    entity_id: str | None
    patient_id: str | None
    outcome: str
    detail: str
    prev_mac: str
    mac: str


def canonical_content(event: AuditEvent) -> bytes:
    """The bytes the MAC covers: every field but the MACs, in a fixed order."""
    fields = [
        event.seq,
        event.id,
        event.occurred_at.isoformat(),
        event.user_id,
        event.username,
        event.role,
        event.workstation_id,
        event.action,
        event.entity_type,
        event.entity_id,
        event.patient_id,
        event.outcome,
        event.detail,
    ]
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=True).encode()


def compute_mac(key: bytes, prev_mac: str, event: AuditEvent) -> str:
    """HMAC-SHA256 over the previous MAC and this event's canonical content."""
    message = prev_mac.encode() + b"|" + canonical_content(event)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    ok: bool
    rows_checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def verify_chain(key: bytes, events: Iterable[AuditEvent]) -> ChainVerdict:
    """Walk events in stored order and report the first broken link.

    Detects an edited row (its MAC no longer matches), a deleted row (a gap
    in ``seq`` or a ``prev_mac`` that does not match the row before), an
    inserted row (MAC forged without the key) and reordering (``seq`` not
    increasing or ``prev_mac`` mismatch).
    """
    expected_prev = GENESIS_MAC
    expected_seq: int | None = None
    count = 0
    for event in events:
        count += 1
        if expected_seq is not None and event.seq != expected_seq:
            reason = "row missing" if event.seq > expected_seq else "rows out of order"
            return ChainVerdict(False, count, event.seq, reason)
        if event.prev_mac != expected_prev:
            return ChainVerdict(False, count, event.seq, "link to previous row broken")
        if not hmac.compare_digest(compute_mac(key, event.prev_mac, event), event.mac):
            return ChainVerdict(False, count, event.seq, "row content altered")
        expected_prev = event.mac
        expected_seq = event.seq + 1
    return ChainVerdict(True, count)
