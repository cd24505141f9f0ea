"""SQL repositories for the chart lists (with kept revisions), note templates and diagnoses."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from dermai_desktop.domain.chart_lists import (
    Allergy,
    AllergyDraft,
    AllergyId,
    AllergySeverity,
    AllergyStatus,
    LesionBrief,
    ListKind,
    Medication,
    MedicationDraft,
    MedicationId,
    MedicationStatus,
    NoteDiagnosis,
    NoteTemplate,
    Problem,
    ProblemDraft,
    ProblemId,
    ProblemStatus,
    Revision,
    RevisionAction,
    TemplateDraft,
    TemplateId,
    TemplateSource,
    VisitRef,
    VisitWindow,
)
from dermai_desktop.domain.errors import NotFound, ValidationFailed
from dermai_desktop.domain.ids import NoteId, PatientId, UserId, new_uuid7
from dermai_desktop.storage.records import (
    AllergyRecord,
    EncounterRecord,
    MedicationRecord,
    ProblemRecord,
    utc_to_text,
)
from dermai_desktop.storage.records_chart import (
    ChartListRevisionRecord,
    NoteDiagnosisRecord,
    NoteTemplateRecord,
)
from dermai_desktop.storage.records_imaging import LesionImageRecord, LesionRecord

Now = Callable[[], datetime]
Item = TypeVar("Item", Problem, Allergy, Medication)
RecordT = TypeVar("RecordT", ProblemRecord, AllergyRecord, MedicationRecord)

#: Lesion statuses that put a lesion on the summary's "under watch" list
#: (``LesionStatus.is_active``: still being followed).
WATCH_STATUSES = ("watch", "biopsy_pending")
#: Appointment statuses that mean the patient came (a "last visit").
ATTENDED = ("arrived", "in_room", "completed")
#: Appointment statuses that mean a visit is still expected (a "next visit").
EXPECTED = ("booked", "confirmed")


def _stale() -> ValidationFailed:
    return ValidationFailed(
        "Someone else changed this entry while you were editing.",
        "Reopen it to see the latest version, then make your change again.",
    )


def _by(value: str | None) -> UserId | None:
    return UserId(value) if value else None


def _problem(r: ProblemRecord) -> Problem:
    return Problem(
        id=ProblemId(r.id),
        patient_id=PatientId(r.patient_id),
        label=r.description,
        code=r.code,
        onset=r.onset_date,
        status=ProblemStatus(r.status),
        resolved_on=r.resolved_date,
        version=r.version,
        created_at=r.created_at,
        updated_at=r.updated_at,
        updated_by=_by(r.updated_by),
    )


def _allergy(r: AllergyRecord) -> Allergy:
    return Allergy(
        id=AllergyId(r.id),
        patient_id=PatientId(r.patient_id),
        substance=r.substance,
        reaction=r.reaction,
        severity=AllergySeverity(r.severity),
        status=AllergyStatus(r.status),
        version=r.version,
        created_at=r.created_at,
        updated_at=r.updated_at,
        updated_by=_by(r.updated_by),
    )


def _medication(r: MedicationRecord) -> Medication:
    return Medication(
        id=MedicationId(r.id),
        patient_id=PatientId(r.patient_id),
        name=r.name,
        dose=r.dose,
        route=r.route,
        frequency=r.frequency,
        start=r.start_date,
        stop=r.stop_date,
        status=MedicationStatus(r.status),
        version=r.version,
        created_at=r.created_at,
        updated_at=r.updated_at,
        updated_by=_by(r.updated_by),
    )


def _apply_problem(r: ProblemRecord, d: ProblemDraft) -> None:
    r.description, r.code, r.onset_date = d.label, d.code, d.onset
    r.status, r.resolved_date = d.status.value, d.resolved_on


def _apply_allergy(r: AllergyRecord, d: AllergyDraft) -> None:
    r.substance, r.reaction = d.substance, d.reaction
    r.severity, r.status = d.severity.value, d.status.value


def _apply_medication(r: MedicationRecord, d: MedicationDraft) -> None:
    r.name, r.dose, r.route, r.frequency = d.name, d.dose, d.route, d.frequency
    r.start_date, r.stop_date, r.status = d.start, d.stop, d.status.value


# --- snapshots: one JSON object per kept version -----------------------------------------


def _to_json(item: Problem | Allergy | Medication) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return utc_to_text(value)
        if isinstance(value, date):
            return value.isoformat()
        return value

    return json.dumps({k: plain(v) for k, v in asdict(item).items()}, sort_keys=True)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _stamp(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _common(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "patient_id": PatientId(data["patient_id"]),
        "version": int(data["version"]),
        "created_at": _stamp(data["created_at"]),
        "updated_at": _stamp(data["updated_at"]),
        "updated_by": _by(data.get("updated_by")),
    }


def _problem_from(data: dict[str, Any]) -> Problem:
    return Problem(
        id=ProblemId(data["id"]),
        label=data["label"],
        code=data.get("code"),
        onset=_day(data.get("onset")),
        status=ProblemStatus(data["status"]),
        resolved_on=_day(data.get("resolved_on")),
        **_common(data),
    )


def _allergy_from(data: dict[str, Any]) -> Allergy:
    return Allergy(
        id=AllergyId(data["id"]),
        substance=data["substance"],
        reaction=data.get("reaction", ""),
        severity=AllergySeverity(data["severity"]),
        status=AllergyStatus(data["status"]),
        **_common(data),
    )


def _medication_from(data: dict[str, Any]) -> Medication:
    return Medication(
        id=MedicationId(data["id"]),
        name=data["name"],
        dose=data.get("dose", ""),
        route=data.get("route", ""),
        frequency=data.get("frequency", ""),
        start=_day(data.get("start")),
        stop=_day(data.get("stop")),
        status=MedicationStatus(data["status"]),
        **_common(data),
    )


class SqlChartListRepository:
    """Implements ``services.chart_ports.ChartListRepository``."""

    def __init__(self, session: Session, now: Now) -> None:
        self._session = session
        self._now = now

    # --- problems -----------------------------------------------------------------------

    def problems(self, patient_id: PatientId) -> list[Problem]:
        return [_problem(r) for r in self._live(ProblemRecord, patient_id)]

    def get_problem(self, problem_id: ProblemId) -> Problem | None:
        record = self._get(ProblemRecord, problem_id)
        return _problem(record) if record is not None else None

    def add_problem(self, patient_id: PatientId, draft: ProblemDraft) -> Problem:
        record = ProblemRecord(id=new_uuid7(), patient_id=patient_id, created_at=self._now())
        _apply_problem(record, draft)
        return self._keep(record, _problem, ListKind.PROBLEM, RevisionAction.CREATED)

    def update_problem(
        self,
        problem_id: ProblemId,
        draft: ProblemDraft,
        expected_version: int,
        action: RevisionAction,
    ) -> Problem:
        record = self._for_update(ProblemRecord, problem_id, expected_version)
        _apply_problem(record, draft)
        return self._keep(record, _problem, ListKind.PROBLEM, action)

    # --- allergies ----------------------------------------------------------------------

    def allergies(self, patient_id: PatientId) -> list[Allergy]:
        return [_allergy(r) for r in self._live(AllergyRecord, patient_id)]

    def get_allergy(self, allergy_id: AllergyId) -> Allergy | None:
        record = self._get(AllergyRecord, allergy_id)
        return _allergy(record) if record is not None else None

    def add_allergy(self, patient_id: PatientId, draft: AllergyDraft) -> Allergy:
        record = AllergyRecord(id=new_uuid7(), patient_id=patient_id, created_at=self._now())
        _apply_allergy(record, draft)
        return self._keep(record, _allergy, ListKind.ALLERGY, RevisionAction.CREATED)

    def update_allergy(
        self,
        allergy_id: AllergyId,
        draft: AllergyDraft,
        expected_version: int,
        action: RevisionAction,
    ) -> Allergy:
        record = self._for_update(AllergyRecord, allergy_id, expected_version)
        _apply_allergy(record, draft)
        return self._keep(record, _allergy, ListKind.ALLERGY, action)

    # --- medications --------------------------------------------------------------------

    def medications(self, patient_id: PatientId) -> list[Medication]:
        return [_medication(r) for r in self._live(MedicationRecord, patient_id)]

    def get_medication(self, medication_id: MedicationId) -> Medication | None:
        record = self._get(MedicationRecord, medication_id)
        return _medication(record) if record is not None else None

    def add_medication(self, patient_id: PatientId, draft: MedicationDraft) -> Medication:
        record = MedicationRecord(id=new_uuid7(), patient_id=patient_id, created_at=self._now())
        _apply_medication(record, draft)
        return self._keep(record, _medication, ListKind.MEDICATION, RevisionAction.CREATED)

    def update_medication(
        self,
        medication_id: MedicationId,
        draft: MedicationDraft,
        expected_version: int,
        action: RevisionAction,
    ) -> Medication:
        record = self._for_update(MedicationRecord, medication_id, expected_version)
        _apply_medication(record, draft)
        return self._keep(record, _medication, ListKind.MEDICATION, action)

    # --- history ------------------------------------------------------------------------

    def problem_history(self, problem_id: ProblemId) -> list[Revision[Problem]]:
        return [
            Revision(RevisionAction(a), _problem_from(d))
            for a, d in self._revisions(ListKind.PROBLEM, problem_id)
        ]

    def allergy_history(self, allergy_id: AllergyId) -> list[Revision[Allergy]]:
        return [
            Revision(RevisionAction(a), _allergy_from(d))
            for a, d in self._revisions(ListKind.ALLERGY, allergy_id)
        ]

    def medication_history(self, medication_id: MedicationId) -> list[Revision[Medication]]:
        return [
            Revision(RevisionAction(a), _medication_from(d))
            for a, d in self._revisions(ListKind.MEDICATION, medication_id)
        ]

    def revision_count(self, kind: ListKind, item_id: str) -> int:
        return int(
            self._session.scalar(
                select(func.count())
                .select_from(ChartListRevisionRecord)
                .where(
                    ChartListRevisionRecord.kind == kind.value,
                    ChartListRevisionRecord.item_id == item_id,
                )
            )
            or 0
        )

    # --- diagnoses on notes -------------------------------------------------------------

    def note_diagnoses(self, note_ids: Sequence[NoteId]) -> dict[NoteId, tuple[NoteDiagnosis, ...]]:
        found: dict[NoteId, list[NoteDiagnosis]] = {}
        ids = list(dict.fromkeys(note_ids))
        # Chunked: SQLite caps bound parameters, and a long chart has many notes.
        for start in range(0, len(ids), 500):
            rows = self._session.scalars(
                select(NoteDiagnosisRecord)
                .where(
                    NoteDiagnosisRecord.note_id.in_(ids[start : start + 500]),
                    NoteDiagnosisRecord.deleted_at.is_(None),
                )
                .order_by(NoteDiagnosisRecord.note_id, NoteDiagnosisRecord.position)
            )
            for r in rows:
                found.setdefault(NoteId(r.note_id), []).append(
                    NoteDiagnosis(NoteId(r.note_id), r.code, r.title, r.position)
                )
        return {note_id: tuple(items) for note_id, items in found.items()}

    def set_note_diagnoses(
        self, note_id: NoteId, patient_id: PatientId, diagnoses: Sequence[NoteDiagnosis]
    ) -> None:
        current = {
            r.code: r
            for r in self._session.scalars(
                select(NoteDiagnosisRecord).where(
                    NoteDiagnosisRecord.note_id == note_id,
                    NoteDiagnosisRecord.deleted_at.is_(None),
                )
            )
        }
        now = self._now()
        wanted = {d.code for d in diagnoses}
        for code, old in current.items():
            if code not in wanted:
                old.deleted_at = now  # tombstone, so sync carries the removal
        for position, diagnosis in enumerate(diagnoses):
            record = current.get(diagnosis.code)
            if record is None:
                self._session.add(
                    NoteDiagnosisRecord(
                        id=new_uuid7(),
                        note_id=note_id,
                        patient_id=patient_id,
                        code=diagnosis.code,
                        title=diagnosis.title,
                        position=position,
                        created_at=now,
                    )
                )
            elif record.position != position:
                record.position = position
        self._session.flush()

    # --- summary reads ------------------------------------------------------------------

    def lesions_under_watch(self, patient_id: PatientId) -> list[LesionBrief]:
        images = (
            select(func.count())
            .select_from(LesionImageRecord)
            .where(
                LesionImageRecord.lesion_id == LesionRecord.id,
                LesionImageRecord.deleted_at.is_(None),
            )
            .scalar_subquery()
        )
        rows = self._session.execute(
            select(LesionRecord, images)
            .where(
                LesionRecord.patient_id == patient_id,
                LesionRecord.deleted_at.is_(None),
                LesionRecord.status.in_(WATCH_STATUSES),
            )
            .order_by(LesionRecord.label, LesionRecord.id)
        )
        return [
            LesionBrief(
                r.id,
                r.label,
                r.body_site,
                r.status,
                datetime.combine(r.first_noted, time.min, tzinfo=UTC),
                int(count or 0),
                r.follow_up_months,
            )
            for r, count in rows
        ]

    def visits(self, patient_id: PatientId, now: datetime) -> VisitWindow:
        last: VisitRef | None = None
        encounter = self._session.scalars(
            select(EncounterRecord)
            .where(
                EncounterRecord.patient_id == patient_id,
                EncounterRecord.deleted_at.is_(None),
                EncounterRecord.started_at <= now,
            )
            .order_by(EncounterRecord.started_at.desc())
            .limit(1)
        ).first()
        if encounter is not None:
            last = VisitRef(
                encounter.started_at,
                "encounter",
                encounter.reason,
                UserId(encounter.clinician_id),
            )
        attended, upcoming = self._appointments(patient_id, now)
        if attended is not None and (last is None or attended.at > last.at):
            last = attended
        return VisitWindow(last=last, next=upcoming)

    def _appointments(
        self, patient_id: PatientId, now: datetime
    ) -> tuple[VisitRef | None, VisitRef | None]:
        """Raw SQL on purpose: the schedule owns the appointments table and its records."""
        columns = {row[1] for row in self._session.execute(text("PRAGMA table_info(appointments)"))}
        if not {"patient_id", "start_at", "status", "provider_id"} <= columns:
            return None, None
        kind = "type" if "type" in columns else "''"
        alive = "AND deleted_at IS NULL" if "deleted_at" in columns else ""
        base = (
            f"SELECT start_at, {kind}, provider_id, status FROM appointments "  # noqa: S608
            f"WHERE patient_id = :pid {alive} AND status IN "
        )
        stamp = utc_to_text(now)

        def one(statuses: tuple[str, ...], clause: str) -> VisitRef | None:
            quoted = ", ".join(f"'{s}'" for s in statuses)
            row = self._session.execute(
                text(f"{base}({quoted}) {clause} LIMIT 1"), {"pid": patient_id, "now": stamp}
            ).first()
            if row is None:
                return None
            return VisitRef(_stamp(row[0]), "appointment", str(row[1] or ""), _by(row[2]), row[3])

        return (
            one(ATTENDED, "AND start_at <= :now ORDER BY start_at DESC"),
            one(EXPECTED, "AND start_at > :now ORDER BY start_at"),
        )

    # --- internals ----------------------------------------------------------------------

    def _live(self, model: type[RecordT], patient_id: PatientId) -> list[RecordT]:
        return list(
            self._session.scalars(
                select(model)
                .where(model.patient_id == patient_id, model.deleted_at.is_(None))
                .order_by(model.created_at, model.id)
            )
        )

    def _get(self, model: type[RecordT], item_id: str) -> RecordT | None:
        record = self._session.get(model, item_id)
        return record if record is not None and record.deleted_at is None else None

    def _for_update(self, model: type[RecordT], item_id: str, expected_version: int) -> RecordT:
        record = self._get(model, item_id)
        if record is None:
            raise NotFound("That entry is not in the chart; it may have been removed.")
        if record.version != expected_version:
            raise _stale()
        return record

    def _keep(
        self,
        record: RecordT,
        convert: Callable[[RecordT], Item],
        kind: ListKind,
        action: RevisionAction,
    ) -> Item:
        """Flush the row (the outbox hook stamps version/who/when), then keep a revision."""
        self._session.add(record)
        self._session.flush()
        item = convert(record)
        self._session.add(
            ChartListRevisionRecord(
                id=new_uuid7(),
                kind=kind.value,
                item_id=item.id,
                item_version=item.version,
                patient_id=item.patient_id,
                action=action.value,
                snapshot=_to_json(item),
                created_at=item.updated_at,
            )
        )
        self._session.flush()
        return item

    def _revisions(self, kind: ListKind, item_id: str) -> list[tuple[str, dict[str, Any]]]:
        rows = self._session.scalars(
            select(ChartListRevisionRecord)
            .where(
                ChartListRevisionRecord.kind == kind.value,
                ChartListRevisionRecord.item_id == item_id,
                ChartListRevisionRecord.deleted_at.is_(None),
            )
            .order_by(ChartListRevisionRecord.item_version, ChartListRevisionRecord.id)
        )
        return [(r.action, json.loads(r.snapshot)) for r in rows]


# --- note templates ----------------------------------------------------------------------


def _template(r: NoteTemplateRecord) -> NoteTemplate:
    return NoteTemplate(
        id=TemplateId(r.id),
        key=r.key,
        name=r.name,
        description=r.description,
        subjective=r.subjective,
        objective=r.objective,
        assessment=r.assessment,
        plan=r.plan,
        suggested_codes=tuple(r.suggested_codes or ()),
        source=TemplateSource(r.source),
        active=r.active,
        version=r.version,
        updated_at=r.updated_at,
        updated_by=_by(r.updated_by),
    )


def _apply_template(r: NoteTemplateRecord, d: TemplateDraft) -> None:
    r.name, r.description = d.name, d.description
    r.subjective, r.objective, r.assessment, r.plan = (
        d.subjective,
        d.objective,
        d.assessment,
        d.plan,
    )
    codes = list(d.suggested_codes)
    if r.suggested_codes != codes:  # JSON columns compare by reassignment only
        r.suggested_codes = codes


class SqlNoteTemplateRepository:
    """Implements ``services.chart_ports.NoteTemplateRepository``."""

    def __init__(self, session: Session, now: Now) -> None:
        self._session = session
        self._now = now

    def list(self, include_inactive: bool = False) -> list[NoteTemplate]:
        query = select(NoteTemplateRecord).where(NoteTemplateRecord.deleted_at.is_(None))
        if not include_inactive:
            query = query.where(NoteTemplateRecord.active.is_(True))
        rows = self._session.scalars(query.order_by(NoteTemplateRecord.name))
        return sorted((_template(r) for r in rows), key=lambda t: t.name.casefold())

    def get(self, template_id: TemplateId) -> NoteTemplate | None:
        record = self._session.get(NoteTemplateRecord, template_id)
        return _template(record) if record is not None and record.deleted_at is None else None

    def keys(self) -> set[str]:
        return set(self._session.scalars(select(NoteTemplateRecord.key)))

    def add(self, key: str, draft: TemplateDraft, source: TemplateSource) -> NoteTemplate:
        record = NoteTemplateRecord(
            id=new_uuid7(), key=key, source=source.value, active=True, created_at=self._now()
        )
        _apply_template(record, draft)
        self._session.add(record)
        self._session.flush()
        return _template(record)

    def update(
        self, template_id: TemplateId, draft: TemplateDraft, expected_version: int
    ) -> NoteTemplate:
        record = self._record(template_id, expected_version)
        _apply_template(record, draft)
        self._session.flush()
        return _template(record)

    def set_active(
        self, template_id: TemplateId, active: bool, expected_version: int
    ) -> NoteTemplate:
        record = self._record(template_id, expected_version)
        record.active = active
        self._session.flush()
        return _template(record)

    def _record(self, template_id: TemplateId, expected_version: int) -> NoteTemplateRecord:
        record = self._session.get(NoteTemplateRecord, template_id)
        if record is None or record.deleted_at is not None:
            raise NotFound("That note template does not exist.")
        if record.version != expected_version:
            raise _stale()
        return record


__all__ = ["SqlChartListRepository", "SqlNoteTemplateRepository"]
