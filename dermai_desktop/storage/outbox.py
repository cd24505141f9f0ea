"""The transactional outbox: one entry per changed synced row, in the same transaction.

A ``before_flush`` hook stamps every new or changed ``SyncedMixin`` row
(version, ``updated_*`` from the acting user) and adds a ``SyncOutboxRecord``
holding only the fields that changed. Because the outbox row is flushed with
the change, they commit or roll back together: sync can never miss an edit or
send one that did not happen. Hard deletes are refused; rows are tombstoned.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker
from sqlalchemy.orm.session import SessionTransaction

from dermai_desktop.domain.ids import new_uuid7
from dermai_desktop.domain.users import Actor
from dermai_desktop.storage.records import (
    SYNC_BOOKKEEPING,
    SyncedMixin,
    SyncOutboxRecord,
    utc_to_text,
)

ACTOR_KEY = "actor"
CLOCK_KEY = "clock"
TXN_KEY = "txn_id"


class HardDeleteRefusedError(RuntimeError):
    """A synced row was deleted with ``session.delete``; set ``deleted_at`` instead."""


def install_outbox_hook(factory: sessionmaker[Session]) -> None:
    """Attach the outbox hooks to every session ``factory`` makes."""
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_transaction_end", _after_transaction_end)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_to_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _now(session: Session) -> datetime:
    clock: Callable[[], datetime] | None = session.info.get(CLOCK_KEY)
    if clock is None:
        raise RuntimeError("session has no clock; use SqlUnitOfWork")
    return clock()


def _actor(session: Session) -> Actor:
    actor = session.info.get(ACTOR_KEY)
    if not isinstance(actor, Actor):
        raise RuntimeError("session has no actor; use SqlUnitOfWork")
    return actor


def _txn_id(session: Session) -> str:
    txn = session.info.get(TXN_KEY)
    if not isinstance(txn, str):
        txn = new_uuid7()
        session.info[TXN_KEY] = txn
    return txn


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction: a new txn_id next time
        session.info.pop(TXN_KEY, None)


def _column_keys(obj: SyncedMixin) -> list[str]:
    return [attr.key for attr in inspect(obj).mapper.column_attrs]


def _collect(session: Session) -> list[tuple[str, SyncedMixin, int | None, dict[str, Any]]]:
    """(kind, row, base version, changed fields) for every synced row this flush writes."""
    for obj in session.deleted:
        if isinstance(obj, SyncedMixin):
            raise HardDeleteRefusedError(
                f"hard delete of a synced {type(obj).__name__} refused; set deleted_at instead"
            )
    changes: list[tuple[str, SyncedMixin, int | None, dict[str, Any]]] = [
        ("insert", obj, None, {}) for obj in session.new if isinstance(obj, SyncedMixin)
    ]
    for obj in session.dirty:
        if isinstance(obj, SyncedMixin) and obj not in session.new:
            changed = _changed_fields(obj)
            if changed:
                deleting = "deleted_at" in changed and obj.deleted_at is not None
                changes.append(("delete" if deleting else "update", obj, obj.version, changed))
    return changes


def _stamp_insert(obj: SyncedMixin, now: datetime) -> dict[str, Any]:
    # Repositories usually set these; rows added directly to the session get them here.
    obj.id = obj.id or new_uuid7()
    obj.created_at = obj.created_at or now
    obj.version = 1
    obj.updated_at = obj.created_at
    return _insert_fields(obj)


def _before_flush(session: Session, _ctx: UOWTransaction, _instances: object) -> None:
    changes = _collect(session)
    if not changes:
        return
    actor, now, txn = _actor(session), _now(session), _txn_id(session)
    # Writers hold the database lock from BEGIN IMMEDIATE, so max+1 cannot race.
    last = session.connection().execute(select(func.max(SyncOutboxRecord.local_seq))).scalar()
    seq = int(last or 0)
    for kind, obj, base_version, changed in changes:
        if kind == "insert":
            fields = _stamp_insert(obj, now)
        else:
            fields = changed
            obj.version = (base_version or 0) + 1
            obj.updated_at = now
        obj.updated_by = actor.user_id
        obj.updated_workstation = actor.workstation_id
        seq += 1
        session.add(
            SyncOutboxRecord(
                op_id=new_uuid7(),
                txn_id=txn,
                local_seq=seq,
                entity=inspect(obj).mapper.local_table.name,
                row_id=obj.id,
                kind=kind,
                base_version=base_version,
                fields=json.dumps(fields, sort_keys=True, separators=(",", ":")),
                created_at=now,
            )
        )


def _apply_defaults(obj: SyncedMixin) -> None:
    """Fill Python-side column defaults now, so the outbox sees the values the INSERT writes."""
    mapper = inspect(obj).mapper
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        default = column.default
        if default is None or getattr(obj, attr.key) is not None:
            continue
        if default.is_scalar:
            setattr(obj, attr.key, default.arg)
        elif default.is_callable:
            # SQLAlchemy wraps zero-argument callables to take an execution context.
            setattr(obj, attr.key, default.arg(None))


def _insert_fields(obj: SyncedMixin) -> dict[str, Any]:
    _apply_defaults(obj)
    skip = SYNC_BOOKKEEPING | obj.__sync_local_fields__
    return {key: _jsonable(getattr(obj, key)) for key in _column_keys(obj) if key not in skip}


def _changed_fields(obj: SyncedMixin) -> dict[str, Any]:
    state = inspect(obj)
    skip = SYNC_BOOKKEEPING | obj.__sync_local_fields__
    changed: dict[str, Any] = {}
    for key in _column_keys(obj):
        if key in skip:
            continue
        if state.attrs[key].history.has_changes():
            changed[key] = _jsonable(getattr(obj, key))
    return changed
