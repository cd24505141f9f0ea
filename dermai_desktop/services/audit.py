"""Reading, verifying and exporting the audit trail; each of these is itself audited."""

from __future__ import annotations

import csv
import dataclasses
import logging
from collections import deque
from datetime import UTC, datetime
from typing import TextIO

from dermai_desktop.domain.audit import AuditAction, AuditEvent, AuditOutcome, ChainVerdict
from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.permissions import Gatekeeper, audit
from dermai_desktop.services.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)

#: CSV columns: every field of ``AuditEvent``, in declaration order.
CSV_COLUMNS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(AuditEvent))
MAX_RECENT = 10_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Spreadsheet programs run cells starting with these as formulas; an attacker
# controls the user name of a failed sign-in, so such cells are neutralised.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class AuditService:
    """The trail for managers (export, verify) and IT (verify, recent events)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._gate = Gatekeeper(uow_factory, clock)

    def verify(self, actor: Actor) -> ChainVerdict:
        """Check the whole HMAC chain; the check is recorded after it runs."""
        self._gate.require(actor, Operation.AUDIT_VERIFY, entity_type="audit_trail")
        with self._uow_factory(actor) as uow:
            verdict = uow.audit.verify()
            detail = f"rows={verdict.rows_checked}"
            if not verdict.ok:
                detail += f" first_broken_seq={verdict.first_broken_seq}"
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.AUDIT_VERIFY,
                outcome=AuditOutcome.SUCCESS if verdict.ok else AuditOutcome.FAILURE,
                entity_type="audit_trail",
                detail=detail,
            )
            uow.commit()
        if not verdict.ok:
            log.error(
                "audit chain broken: first_broken_seq=%s reason=%s",
                verdict.first_broken_seq,
                verdict.reason,
            )
        return verdict

    def export_csv(self, actor: Actor, start: datetime, end: datetime, out: TextIO) -> int:
        """Write events with ``start <= occurred_at < end`` as CSV; return the row count."""
        self._gate.require(actor, Operation.AUDIT_EXPORT, entity_type="audit_trail")
        if start.tzinfo is None or end.tzinfo is None:
            raise ValidationFailed("The export period needs dates with a time zone.")
        if end <= start:
            raise ValidationFailed("The end of the export period must be after its start.")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        rows = 0
        with self._uow_factory(actor) as uow:
            for event in uow.audit.between(start, end):
                writer.writerow(_csv_row(event))
                rows += 1
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.EXPORT,
                entity_type="audit_trail",
                detail=(
                    f"rows={rows} start={start.astimezone(UTC).isoformat()} "
                    f"end={end.astimezone(UTC).isoformat()}"
                ),
            )
            uow.commit()
        log.info("audit exported: rows=%d by=%s", rows, actor.user_id)
        return rows

    def recent(self, actor: Actor, limit: int = 200) -> list[AuditEvent]:
        """The newest ``limit`` events, newest first."""
        self._gate.require(actor, Operation.AUDIT_VERIFY, entity_type="audit_trail")
        limit = max(1, min(limit, MAX_RECENT))
        with self._uow_factory(actor) as uow:
            # The port has no "last n" query; a bounded deque keeps memory flat.
            newest: deque[AuditEvent] = deque(maxlen=limit)
            newest.extend(uow.audit.between(_EPOCH, datetime.max.replace(tzinfo=UTC)))
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.VIEW,
                entity_type="audit_trail",
                detail=f"recent={len(newest)}",
            )
            uow.commit()
        return list(reversed(newest))


def _csv_row(event: AuditEvent) -> list[str]:
    row: list[str] = []
    for name in CSV_COLUMNS:
        value = getattr(event, name)
        if value is None:
            text = ""
        elif isinstance(value, datetime):
            text = value.astimezone(UTC).isoformat()
        else:
            text = str(value)
        if text.startswith(_FORMULA_START):
            text = "'" + text
        row.append(text)
    return row


__all__ = ["CSV_COLUMNS", "AuditService"]
