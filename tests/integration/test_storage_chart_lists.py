"""Chart lists, revisions, templates, diagnoses and the summary against a real SQLCipher file."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from dermai_desktop.domain.chart_lists import (
    AllergyDraft,
    AllergySeverity,
    MedicationDraft,
    MedicationStatus,
    ProblemDraft,
    RevisionAction,
    TemplateDraft,
)
from dermai_desktop.domain.errors import SignedContentLocked, ValidationFailed
from dermai_desktop.domain.ids import PatientId, new_uuid7
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.chart_lists import ChartListService
from dermai_desktop.services.charts import ChartService
from dermai_desktop.services.dto import NoteText
from dermai_desktop.services.templates import TemplateService
from dermai_desktop.storage.database import Database, database_path, open_database
from dermai_desktop.storage.engine import KeyHolder, make_engine
from dermai_desktop.storage.migrations import head_revision
from dermai_desktop.storage.records import utc_to_text
from dermai_desktop.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.integration.conftest import SENTINEL, StepClock, draft
from tests.integration.test_storage_lifecycle import create_at


@pytest.fixture
def patient(uow_factory: SqlUnitOfWorkFactory, doctor: Actor) -> PatientId:
    with uow_factory(doctor) as uow:
        pid = uow.patients.add(draft(), "DA000001").id
        uow.commit()
    return pid


def test_lists_keep_every_version_and_sync_them(
    db: Database,
    uow_factory: SqlUnitOfWorkFactory,
    clock: StepClock,
    doctor: Actor,
    patient: PatientId,
) -> None:
    svc = ChartListService(uow_factory, clock)
    p = svc.add_problem(doctor, patient, ProblemDraft("Plaque psoriasis", "L40.0"))
    p2 = svc.edit_problem(doctor, p.id, ProblemDraft("Chronic plaque psoriasis", "L40.0"), 1)
    p3 = svc.resolve_problem(doctor, p.id, p2.version)
    history = svc.problem_history(doctor, p.id)
    assert [(r.action, r.version) for r in history] == [
        (RevisionAction.CREATED, 1),
        (RevisionAction.EDITED, 2),
        (RevisionAction.RESOLVED, 3),
    ]
    assert history[0].item.label == "Plaque psoriasis"
    assert history[2].item == p3
    assert all(r.recorded_by == doctor.user_id for r in history)
    with pytest.raises(ValidationFailed, match="Someone else"):
        svc.edit_problem(doctor, p.id, ProblemDraft("x"), 1)

    a = svc.add_allergy(
        doctor, patient, AllergyDraft("Penicillin", "anaphylaxis", AllergySeverity.LIFE_THREATENING)
    )
    svc.resolve_allergy(doctor, a.id, 1)
    assert [r.item.status for r in svc.allergy_history(doctor, a.id)] == ["active", "resolved"]
    m = svc.add_medication(
        doctor, patient, MedicationDraft("Methotrexate", "15 mg", "oral", "weekly")
    )
    stopped = svc.stop_medication(doctor, m.id, 1)
    assert stopped.status is MedicationStatus.STOPPED
    assert len(svc.medication_history(doctor, m.id)) == 2
    lists = svc.lists(doctor, patient)
    assert (len(lists.problems), len(lists.allergies), len(lists.medications)) == (1, 1, 1)

    with db.engine.connect() as conn:
        entities = {row[0] for row in conn.execute(text("SELECT DISTINCT entity FROM sync_outbox"))}
        assert {"problems", "allergies", "medications", "chart_list_revisions"} <= entities
        # The history is append-only in the database too.
        with pytest.raises(IntegrityError, match="append-only"):
            conn.execute(text("UPDATE chart_list_revisions SET action = 'edited'"))
        conn.rollback()
        with pytest.raises(IntegrityError, match="append-only"):
            conn.execute(text("DELETE FROM chart_list_revisions"))
        conn.rollback()
        with pytest.raises(IntegrityError, match="CHECK"):
            conn.execute(text("UPDATE allergies SET severity = 'catastrophic'"))
        conn.rollback()


def test_diagnoses_autosave_and_signed_lock(
    db: Database,
    uow_factory: SqlUnitOfWorkFactory,
    clock: StepClock,
    doctor: Actor,
    patient: PatientId,
) -> None:
    charts = ChartService(uow_factory, clock)
    enc = charts.start_encounter(doctor, patient, "psoriasis review")
    note = charts.write_note(
        doctor, enc.id, NoteText(subjective="better"), patient_id=patient, diagnoses=["L40.0"]
    )
    with db.engine.connect() as conn:
        outbox_before = conn.execute(text("SELECT count(*) FROM sync_outbox")).scalar()
    unchanged = charts.save_draft(doctor, note.id, NoteText(subjective="better"))
    assert not unchanged.changed
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sync_outbox")).scalar() == outbox_before
    saved = charts.save_draft(
        doctor, note.id, NoteText(subjective="much better"), diagnoses=["L40.5", "L40.0"]
    )
    assert saved.changed
    assert [d.code for d in saved.diagnoses] == ["L40.5", "L40.0"]
    chart = charts.open_chart(doctor, patient)
    assert [(d.code, d.position) for d in chart.diagnoses[note.id]] == [("L40.5", 0), ("L40.0", 1)]
    charts.set_note_diagnoses(doctor, note.id, ["L40.0"])
    assert [d.code for d in charts.open_chart(doctor, patient).diagnoses[note.id]] == ["L40.0"]
    charts.sign_note(doctor, note.id)
    with pytest.raises(SignedContentLocked):
        charts.set_note_diagnoses(doctor, note.id, ["L40.9"])
    with db.engine.connect() as conn:
        # The second line: the trigger refuses whatever a buggy caller tries.
        with pytest.raises(SignedContentLocked):
            conn.execute(
                text("UPDATE note_diagnoses SET code = 'L40.9' WHERE note_id = :n"), {"n": note.id}
            )
        conn.rollback()
        with pytest.raises(SignedContentLocked):
            conn.execute(
                text(
                    "INSERT INTO note_diagnoses (id, note_id, patient_id, code, title, position,"
                    " created_at, updated_at, version) VALUES (:id, :n, :p, 'L40.9', 't', 5,"
                    " '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 1)"
                ),
                {"id": new_uuid7(), "n": note.id, "p": patient},
            )
        conn.rollback()


def test_summary_reads_lesions_and_appointments(
    db: Database,
    uow_factory: SqlUnitOfWorkFactory,
    clock: StepClock,
    doctor: Actor,
    patient: PatientId,
) -> None:
    charts = ChartService(uow_factory, clock)
    lists = ChartListService(uow_factory, clock)
    lists.add_allergy(doctor, patient, AllergyDraft("Latex", severity=AllergySeverity.SEVERE))
    lists.add_medication(doctor, patient, MedicationDraft("Doxycycline", start=date(2025, 1, 1)))
    enc = charts.start_encounter(doctor, patient, "skin check")
    now = clock.current
    stamp = utc_to_text
    synced = "created_at, updated_at, version"
    with db.engine.begin() as conn:
        conn.execute(text("PRAGMA foreign_keys = ON"))
        lesion = new_uuid7()
        conn.execute(
            text(
                "INSERT INTO lesions (id, patient_id, label, body_site, body_view, body_map_x, "
                f"body_map_y, first_noted, status, impression, {synced}) VALUES (:id, :p, 'A', "
                "'back', 'back', 0.5, 0.3, :d, 'watch', '', :t, :t, 1)"
            ),
            {"id": lesion, "p": patient, "t": stamp(now), "d": now.date().isoformat()},
        )
        for _ in range(2):
            conn.execute(
                text(
                    "INSERT INTO lesion_images (id, lesion_id, patient_id, sha256, modality, "
                    "captured_at, imported_at, content_type, width_px, height_px, byte_size, "
                    f"consent, overlay, device, {synced}) VALUES (:id, :l, :p, :h, "
                    "'clinical_overview', :t, :t, 'image/jpeg', 640, 480, 1000, 'care_only', '', "
                    "'', :t, :t, 1)"
                ),
                {"id": new_uuid7(), "l": lesion, "p": patient, "h": "0" * 64, "t": stamp(now)},
            )
        columns = {r[1] for r in conn.execute(text("PRAGMA table_info(appointments)"))}
        for offset, status, kind in (
            (timedelta(days=7), "booked", "follow_up"),
            (timedelta(days=3), "cancelled", "cosmetic"),
            (timedelta(hours=2), "completed", "skin_check"),
        ):
            start = now + offset if status != "completed" else now + timedelta(seconds=30)
            _insert_appointment(conn, columns, patient, doctor, start, status, kind)
    clock.current = now + timedelta(hours=1)
    summary = charts.chart_summary(doctor, patient)
    assert summary.banner.family_name == SENTINEL
    assert summary.banner.has_serious_allergy
    assert [m.name for m in summary.current_medications] == ["Doxycycline"]
    assert [(les.label, les.image_count) for les in summary.lesions_under_watch] == [("A", 2)]
    assert summary.last_visit is not None
    assert summary.last_visit.kind == "skin_check"
    assert summary.last_visit.at > enc.started_at
    assert summary.next_visit is not None
    assert summary.next_visit.kind == "follow_up"


def _insert_appointment(
    conn: Connection,
    columns: set[str],
    patient: PatientId,
    doctor: Actor,
    start: datetime,
    status: str,
    kind: str,
) -> None:
    """Insert with whatever columns the schedule's schema has (0002's, or 0005's)."""
    values: dict[str, object] = {
        "id": new_uuid7(),
        "patient_id": patient,
        "provider_id": doctor.user_id,
        "start_at": utc_to_text(start),
        "end_at": utc_to_text(start + timedelta(minutes=20)),
        "status": status,
        "created_at": utc_to_text(start),
        "updated_at": utc_to_text(start),
        "version": 1,
        "reason": "",
        "type": kind,
    }
    values = {k: v for k, v in values.items() if k in columns}
    names = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    conn.execute(text(f"INSERT INTO appointments ({names}) VALUES ({marks})"), values)


def test_templates_seed_into_the_database_once(
    uow_factory: SqlUnitOfWorkFactory, clock: StepClock, manager: Actor, doctor: Actor
) -> None:
    svc = TemplateService(uow_factory, clock)
    first = svc.list_templates(doctor)
    assert len(first) >= 6
    custom = svc.create_template(manager, TemplateDraft("Mohs follow-up", plan="Wound check"))
    skin = next(t for t in first if t.key == "full_skin_examination")
    svc.retire_template(manager, skin.id, skin.version)
    again = svc.list_templates(doctor)
    assert skin.id not in {t.id for t in again}
    assert custom.id in {t.id for t in again}
    assert len(svc.list_templates(manager, include_inactive=True)) == len(first) + 1
    edited = svc.update_template(
        manager,
        custom.id,
        TemplateDraft("Mohs follow-up", plan="Wound check", suggested_codes=("C44.3",)),
        1,
    )
    assert edited.suggested_codes == ("C44.3",)
    with pytest.raises(ValidationFailed, match="Someone else"):
        svc.update_template(manager, custom.id, TemplateDraft("Mohs", plan="x"), 1)


def test_migration_0004_upgrades_existing_rows(data_dir: Path, dek: bytes) -> None:
    """A database at 0003 with old-style allergy and medication rows migrates cleanly."""
    create_at(data_dir, dek, "0003")
    engine = make_engine(database_path(data_dir), KeyHolder(dek))
    t = "2025-01-01T00:00:00.000000Z"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO patients (id, mrn, given_name, family_name, date_of_birth, sex, "
                "phone, email, address, flags, created_at, updated_at, version) VALUES "
                "('p1', 'DA1', 'A', 'B', '1980-01-01', 'female', '', '', '', '[]', :t, :t, 1)"
            ),
            {"t": t},
        )
        for aid, status in (("a1", "active"), ("a2", "resolved"), ("a3", "inactive")):
            conn.execute(
                text(
                    "INSERT INTO allergies (id, patient_id, substance, reaction, severity, status,"
                    " created_at, updated_at, version) VALUES (:id, 'p1', 'X', '', 'severe', :s,"
                    " :t, :t, 1)"
                ),
                {"id": aid, "s": status, "t": t},
            )
        for mid, stop in (("m1", None), ("m2", "2020-01-01")):
            conn.execute(
                text(
                    "INSERT INTO medications (id, patient_id, name, dose, route, frequency, "
                    "stop_date, created_at, updated_at, version) VALUES (:id, 'p1', 'M', '', '',"
                    " '', :stop, :t, :t, 1)"
                ),
                {"id": mid, "stop": stop, "t": t},
            )
    engine.dispose()
    database = open_database(data_dir, dek)
    try:
        assert database.schema_revision() == head_revision()
        with database.engine.connect() as conn:
            allergies = dict(conn.execute(text("SELECT id, status FROM allergies")).all())
            meds = dict(conn.execute(text("SELECT id, status FROM medications")).all())
            indexes = {r[1] for r in conn.execute(text("PRAGMA index_list(allergies)"))}
        assert allergies == {"a1": "active", "a2": "resolved", "a3": "active"}
        assert meds == {"m1": "active", "m2": "stopped"}
        assert "ix_allergies_patient_id" in indexes
    finally:
        database.close()
