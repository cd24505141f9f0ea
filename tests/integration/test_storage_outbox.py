"""The transactional outbox: same transaction, changed fields only, versions, tombstones."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select, text

from dermai_desktop.domain.users import Actor
from dermai_desktop.storage.database import Database
from dermai_desktop.storage.engine import READ_ONLY
from dermai_desktop.storage.outbox import HardDeleteRefusedError
from dermai_desktop.storage.records import PatientRecord, UserRecord
from dermai_desktop.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.integration.conftest import StepClock, draft


def outbox(db: Database) -> list[dict[str, object]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT local_seq, txn_id, entity, row_id, kind, base_version, fields, state "
                "FROM sync_outbox ORDER BY local_seq"
            )
        ).mappings()
        return [dict(r) | {"fields": json.loads(r["fields"])} for r in rows]


def test_rollback_leaves_neither_row_nor_outbox(
    db: Database, uow_factory: SqlUnitOfWorkFactory, doctor: Actor
) -> None:
    before = len(outbox(db))
    with uow_factory(doctor) as uow:
        uow.patients.add(draft(), "DA1")
        uow.patients.add(draft(given="Bo"), "DA2")
        # flushed inside the open transaction: both there, then rolled back
        with db.engine.connect().execution_options(**READ_ONLY) as other:
            assert other.execute(text("SELECT count(*) FROM patients")).scalar() == 0
    assert len(outbox(db)) == before
    with uow_factory(doctor) as uow:
        assert uow.patients.count() == 0
        uow.patients.add(draft(), "DA1")
        uow.rollback()
        assert uow.patients.count() == 0
    assert len(outbox(db)) == before


def test_insert_then_update_records_changed_fields_only(
    db: Database, uow_factory: SqlUnitOfWorkFactory, doctor: Actor, clock: StepClock
) -> None:
    start = len(outbox(db))
    with uow_factory(doctor) as uow:
        patient = uow.patients.add(draft(), "DA1")
        uow.commit()
    with uow_factory(doctor) as uow:
        uow.patients.update(patient.id, draft(phone="555-0100"), expected_version=1)
        uow.commit()
    with uow_factory(doctor) as uow:  # writing identical values is not a change
        uow.patients.update(patient.id, draft(phone="555-0100"), expected_version=2)
        uow.commit()
    ops = outbox(db)[start:]
    assert [(o["entity"], o["kind"], o["base_version"]) for o in ops] == [
        ("patients", "insert", None),
        ("patients", "update", 1),
    ]
    insert, update = ops
    assert insert["row_id"] == update["row_id"] == patient.id
    assert insert["fields"]["mrn"] == "DA1"
    assert insert["fields"]["flags"] == ["latex-allergy"]
    assert insert["fields"]["date_of_birth"] == "1980-02-29"
    assert "version" not in insert["fields"]
    assert "updated_by" not in insert["fields"]
    assert update["fields"] == {"phone": "555-0100"}
    assert {o["state"] for o in ops} == {"pending"}
    with db.engine.connect() as conn:
        row = conn.execute(
            text("SELECT version, updated_by, updated_workstation FROM patients")
        ).one()
    assert tuple(row) == (2, doctor.user_id, doctor.workstation_id)


def test_one_transaction_shares_a_txn_id_and_seq_is_strict(
    db: Database, uow_factory: SqlUnitOfWorkFactory, doctor: Actor
) -> None:
    start = len(outbox(db))
    with uow_factory(doctor) as uow:
        uow.patients.add(draft(), "DA1")
        uow.patients.add(draft(given="Bo"), "DA2")
        uow.commit()
        uow.patients.add(draft(given="Cy"), "DA3")
        uow.commit()
    ops = outbox(db)[start:]
    assert ops[0]["txn_id"] == ops[1]["txn_id"] != ops[2]["txn_id"]
    seqs = [int(str(o["local_seq"])) for o in outbox(db)]
    assert seqs == list(range(1, len(seqs) + 1))


def test_version_bumps_once_per_committed_change(
    db: Database, uow_factory: SqlUnitOfWorkFactory, doctor: Actor
) -> None:
    with uow_factory(doctor) as uow:
        patient = uow.patients.add(draft(), "DA1")
        uow.commit()
    version = patient.version
    for phone in ("1", "2", "3"):
        with uow_factory(doctor) as uow:
            version = uow.patients.update(patient.id, draft(phone=phone), version).version
            uow.commit()
    assert version == 4


def test_tombstone_is_a_delete_op_and_hard_delete_is_refused(
    db: Database, uow_factory: SqlUnitOfWorkFactory, doctor: Actor, clock: StepClock
) -> None:
    with uow_factory(doctor) as uow:
        patient = uow.patients.add(draft(), "DA1")
        uow.commit()
    with uow_factory(doctor) as uow:
        record = uow.session.get(PatientRecord, patient.id)
        assert record is not None
        uow.session.delete(record)
        with pytest.raises(HardDeleteRefusedError):
            uow.session.flush()
    with uow_factory(doctor) as uow:
        record = uow.session.get(PatientRecord, patient.id)
        assert record is not None
        record.deleted_at = clock.now()
        uow.commit()
        assert uow.patients.get(patient.id) is None
    last = outbox(db)[-1]
    assert (last["kind"], last["base_version"], list(last["fields"])) == (
        "delete",
        1,
        ["deleted_at"],
    )


def test_machine_local_fields_do_not_sync(
    db: Database, uow_factory: SqlUnitOfWorkFactory, manager: Actor, clock: StepClock
) -> None:
    start = len(outbox(db))
    with uow_factory(manager) as uow:
        uow.users.record_login_failure(manager.user_id, None)
        uow.users.record_login_success(manager.user_id, clock.now())
        uow.commit()
    assert outbox(db)[start:] == []
    with uow_factory(manager) as uow:
        record = uow.session.scalars(select(UserRecord)).first()
        assert record is not None
        assert record.version == 1
        uow.users.set_password_hash(manager.user_id, "new", must_change=True)
        uow.commit()
    [op] = outbox(db)[start:]
    assert op["fields"] == {"password_hash": "new", "must_change_password": True}


def test_writers_serialise(uow_factory: SqlUnitOfWorkFactory, doctor: Actor) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(5):
                with uow_factory(doctor) as uow:
                    uow.patients.add(draft(given=f"T{n}"), f"T{n}-{i}")
                    uow.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with uow_factory(doctor) as uow:
        assert uow.patients.count() == 15
