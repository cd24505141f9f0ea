"""The audit trail repository: numbers events, chains their MACs, verifies the chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dermai_desktop.domain.audit import (
    GENESIS_MAC,
    AuditEvent,
    ChainVerdict,
    compute_mac,
    verify_chain,
)
from dermai_desktop.domain.ids import new_uuid7
from dermai_desktop.services.dto import AuditDraft
from dermai_desktop.storage.records import AuditEventRecord

#: Rows fetched per round trip while verifying or exporting a long trail.
BATCH = 1000


def event_from_record(record: AuditEventRecord) -> AuditEvent:
    return AuditEvent(
        seq=record.seq,
        id=record.id,
        occurred_at=record.occurred_at,
        user_id=record.user_id,
        username=record.username,
        role=record.role,
        workstation_id=record.workstation_id,
        action=record.action,
        entity_type=record.entity_type,
        entity_id=record.entity_id,
        patient_id=record.patient_id,
        outcome=record.outcome,
        detail=record.detail,
        prev_mac=record.prev_mac,
        mac=record.mac,
    )


def _microsecond_utc(value: datetime) -> datetime:
    """Normalise to what the database stores, so the MAC survives a round trip."""
    if value.tzinfo is None:
        raise ValueError("naive datetime refused; use timezone-aware UTC")
    return value.astimezone(UTC)


class SqlAuditRepository:
    """Append-only audit trail with an HMAC chain keyed by the audit key.

    ``seq`` is max+1 inside the writer's transaction: SQLite's single writer
    (we BEGIN IMMEDIATE) makes that race-free, and a rolled-back transaction
    leaves no gap because its rows vanish with it.
    """

    def __init__(self, session: Session, key: bytes) -> None:
        self._session = session
        self._key = key

    def append(self, draft: AuditDraft) -> AuditEvent:
        last = self._session.execute(
            select(AuditEventRecord.seq, AuditEventRecord.mac)
            .order_by(AuditEventRecord.seq.desc())
            .limit(1)
        ).first()
        seq, prev_mac = (last[0] + 1, last[1]) if last is not None else (1, GENESIS_MAC)
        unsigned = AuditEvent(
            seq=seq,
            id=new_uuid7(),
            occurred_at=_microsecond_utc(draft.occurred_at),
            user_id=draft.user_id,
            username=draft.username,
            role=draft.role,
            workstation_id=draft.workstation_id,
            action=str(draft.action),
            entity_type=draft.entity_type,
            entity_id=draft.entity_id,
            patient_id=draft.patient_id,
            outcome=str(draft.outcome),
            detail=draft.detail,
            prev_mac=prev_mac,
            mac="",
        )
        mac = compute_mac(self._key, prev_mac, unsigned)
        record = AuditEventRecord(
            seq=unsigned.seq,
            id=unsigned.id,
            occurred_at=unsigned.occurred_at,
            user_id=unsigned.user_id,
            username=unsigned.username,
            role=unsigned.role,
            workstation_id=unsigned.workstation_id,
            action=unsigned.action,
            entity_type=unsigned.entity_type,
            entity_id=unsigned.entity_id,
            patient_id=unsigned.patient_id,
            outcome=unsigned.outcome,
            detail=unsigned.detail,
            prev_mac=prev_mac,
            mac=mac,
        )
        self._session.add(record)
        self._session.flush()
        return event_from_record(record)

    def between(self, start: datetime, end: datetime) -> Iterator[AuditEvent]:
        """Events with ``start <= occurred_at < end`` in trail order (materialised)."""
        rows = self._session.scalars(
            select(AuditEventRecord)
            .where(AuditEventRecord.occurred_at >= start, AuditEventRecord.occurred_at < end)
            .order_by(AuditEventRecord.seq)
        )
        return iter([event_from_record(r) for r in rows])

    def all_events(self) -> Iterator[AuditEvent]:
        """Every event in ``seq`` order, streamed in batches."""
        after = 0
        while True:
            batch = list(
                self._session.scalars(
                    select(AuditEventRecord)
                    .where(AuditEventRecord.seq > after)
                    .order_by(AuditEventRecord.seq)
                    .limit(BATCH)
                )
            )
            if not batch:
                return
            for record in batch:
                yield event_from_record(record)
            after = batch[-1].seq

    def recent(self, limit: int = 200) -> list[AuditEvent]:
        rows = self._session.scalars(
            select(AuditEventRecord).order_by(AuditEventRecord.seq.desc()).limit(limit)
        )
        return [event_from_record(r) for r in rows]

    def verify(self) -> ChainVerdict:
        """Walk the whole chain in stored order; the verdict names the first broken seq."""
        # seq is the rowid; renumbering or swapping rows still breaks the
        # chain because each MAC covers the row's seq and the previous MAC.
        return verify_chain(self._key, self.all_events())

    def count(self) -> int:
        return int(self._session.scalar(select(func.count()).select_from(AuditEventRecord)) or 0)
