"""Clinical charts: encounters and SOAP notes, signed notes append-only."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import NoReturn

from dermai_desktop.domain.audit import AuditAction, AuditOutcome
from dermai_desktop.domain.chart_lists import MAX_DIAGNOSES, NoteDiagnosis, normalise_code
from dermai_desktop.domain.errors import NotFound, SignedContentLocked, ValidationFailed
from dermai_desktop.domain.ids import EncounterId, NoteId, PatientId, UserId
from dermai_desktop.domain.patients import Encounter, SoapNote
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.chart_dto import (
    SERIOUS_SEVERITIES,
    ChartBanner,
    ChartSummary,
    DraftSaved,
)
from dermai_desktop.services.chart_lists import sort_allergies, sort_medications, sort_problems
from dermai_desktop.services.diagnoses import DiagnosisCatalog
from dermai_desktop.services.dto import Chart, NoteText
from dermai_desktop.services.permissions import Gatekeeper, audit
from dermai_desktop.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_REASON = 500
#: Per SOAP section; a long letter is a few thousand characters, so this is only a guard.
MAX_SECTION = 100_000


def _check_text(text: NoteText) -> NoteText:
    for section in (text.subjective, text.objective, text.assessment, text.plan):
        if len(section) > MAX_SECTION:
            raise ValidationFailed(
                f"A note section can have at most {MAX_SECTION:,} characters.",
                "Split the text or attach it as a document.",
            )
    return text


def _is_empty(text: NoteText | SoapNote) -> bool:
    return not any(s.strip() for s in (text.subjective, text.objective, text.assessment, text.plan))


class ChartService:
    """Only clinicians see or change charts; every open and change is audited."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        catalog: DiagnosisCatalog | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._gate = Gatekeeper(uow_factory, clock)
        self._catalog = catalog

    def clinician_names(self, actor: Actor) -> dict[UserId, str]:
        """Everyone who may have written in a chart, by id, for "Signed by …" lines.

        Notes store the author's id; a chart shows names. Disabled accounts stay in the
        map: their old notes still need a name.
        """
        self._gate.require(actor, Operation.CHART_VIEW, entity_type="clinicians")
        with self._uow_factory(actor) as uow:
            return {user.id: user.full_name for user in uow.users.list()}

    def open_chart(self, actor: Actor, patient_id: PatientId) -> Chart:
        self._gate.require(
            actor,
            Operation.CHART_VIEW,
            patient_id=patient_id,
            entity_type="chart",
            entity_id=patient_id,
        )
        with self._uow_factory(actor) as uow:
            patient = uow.patients.get(patient_id)
            if patient is None:
                raise NotFound("That patient record does not exist.")
            notes = tuple(uow.charts.notes(patient_id))
            note_ids = [n.id for top in notes for n in (top, *top.addenda)]
            chart = Chart(
                patient=patient,
                encounters=tuple(uow.charts.encounters(patient_id)),
                notes=notes,
                diagnoses=uow.chart_lists.note_diagnoses(note_ids),
            )
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.VIEW,
                entity_type="chart",
                entity_id=patient_id,
                patient_id=patient_id,
            )
            uow.commit()
        return chart

    def start_encounter(self, actor: Actor, patient_id: PatientId, reason: str) -> Encounter:
        self._gate.require(
            actor, Operation.CHART_EDIT, patient_id=patient_id, entity_type="encounter"
        )
        reason = " ".join(reason.split())
        if len(reason) > MAX_REASON:
            raise ValidationFailed(
                f"The reason for the visit can have at most {MAX_REASON} characters."
            )
        with self._uow_factory(actor) as uow:
            if uow.patients.get(patient_id) is None:
                raise NotFound("That patient record does not exist.")
            encounter = uow.charts.add_encounter(patient_id, actor.user_id, reason)
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.CREATE,
                entity_type="encounter",
                entity_id=encounter.id,
                patient_id=patient_id,
            )
            uow.commit()
        return encounter

    def write_note(
        self,
        actor: Actor,
        encounter_id: EncounterId,
        text: NoteText,
        *,
        patient_id: PatientId,
        diagnoses: Sequence[str] = (),
    ) -> SoapNote:
        """Start a draft note in an encounter, optionally with ICD-10 codes.

        ``patient_id`` is required because the repository port looks encounters up
        by patient; the pair is checked so a note can never land in the wrong chart.
        """
        self._gate.require(actor, Operation.CHART_EDIT, patient_id=patient_id, entity_type="note")
        _check_text(text)
        coded = self._coded(diagnoses)
        with self._uow_factory(actor) as uow:
            if not any(e.id == encounter_id for e in uow.charts.encounters(patient_id)):
                raise NotFound("That visit does not exist in this patient's chart.")
            note = uow.charts.add_note(encounter_id, patient_id, actor.user_id, text)
            if coded:
                uow.chart_lists.set_note_diagnoses(note.id, patient_id, _bind(coded, note.id))
            self._audit_note(uow, actor, AuditAction.CREATE, note)
            uow.commit()
        return note

    def update_draft(self, actor: Actor, note_id: NoteId, text: NoteText) -> SoapNote:
        self._gate.require(actor, Operation.CHART_EDIT, entity_type="note", entity_id=note_id)
        _check_text(text)
        with self._uow_factory(actor) as uow:
            note = self._get_unsigned_note(uow, actor, note_id, AuditAction.UPDATE)
            if note.author_id == actor.user_id:
                updated = uow.charts.update_note_text(note_id, text)
                self._audit_note(uow, actor, AuditAction.UPDATE, updated)
                uow.commit()
                return updated
        # The refusal is audited in its own transaction, after this one has closed:
        # SQLite has one writer, so a nested unit of work would wait on ourselves.
        self._deny_not_author(actor, note, Operation.CHART_EDIT, "edit")

    def sign_note(self, actor: Actor, note_id: NoteId) -> SoapNote:
        self._gate.require(actor, Operation.NOTE_SIGN, entity_type="note", entity_id=note_id)
        with self._uow_factory(actor) as uow:
            note = self._get_unsigned_note(uow, actor, note_id, AuditAction.SIGN)
            if note.author_id == actor.user_id:
                if _is_empty(note):
                    raise ValidationFailed(
                        "An empty note cannot be signed.", "Write the note first."
                    )
                signed = uow.charts.sign_note(note_id, actor.user_id, self._clock.now())
                self._audit_note(uow, actor, AuditAction.SIGN, signed)
                uow.commit()
                log.info("note signed: note=%s patient=%s", note_id, note.patient_id)
                return signed
        self._deny_not_author(actor, note, Operation.NOTE_SIGN, "sign")

    def add_addendum(self, actor: Actor, note_id: NoteId, text: NoteText) -> SoapNote:
        """Correct or complete a signed note; the addendum is signed as it is created."""
        # Creating an addendum signs it, so both permissions are needed.
        self._gate.require(actor, Operation.CHART_EDIT, entity_type="note", entity_id=note_id)
        self._gate.require(actor, Operation.NOTE_SIGN, entity_type="note", entity_id=note_id)
        _check_text(text)
        if _is_empty(text):
            raise ValidationFailed("An addendum needs some text.")
        with self._uow_factory(actor) as uow:
            target = self._get_note(uow, note_id)
            if not target.is_signed:
                raise ValidationFailed(
                    "Only a signed note takes an addendum.", "Edit the draft note instead."
                )
            # Addenda hang off the original note, never off each other, so the
            # chart shows one flat, dated list under the note they correct.
            root = target.amends_id if target.amends_id is not None else target.id
            draft = uow.charts.add_note(
                target.encounter_id, target.patient_id, actor.user_id, text, amends_id=root
            )
            addendum = uow.charts.sign_note(draft.id, actor.user_id, self._clock.now())
            self._audit_note(uow, actor, AuditAction.CREATE, addendum, detail=f"amends={root}")
            self._audit_note(uow, actor, AuditAction.SIGN, addendum, detail=f"amends={root}")
            uow.commit()
        return addendum

    def save_draft(
        self,
        actor: Actor,
        note_id: NoteId,
        text: NoteText,
        *,
        diagnoses: Sequence[str] | None = None,
    ) -> DraftSaved:
        """Autosave: write the draft only if it differs from what is stored.

        Cheap and idempotent, so the editor may call it every few seconds and on
        every focus change: an unchanged draft costs one read, writes nothing, adds
        no audit row and no sync entry, and returns ``changed=False``.
        ``diagnoses=None`` leaves the coded diagnoses as they are.
        """
        self._gate.require(actor, Operation.CHART_EDIT, entity_type="note", entity_id=note_id)
        _check_text(text)
        coded = self._coded(diagnoses) if diagnoses is not None else None
        with self._uow_factory(actor) as uow:
            note = self._get_unsigned_note(uow, actor, note_id, AuditAction.UPDATE)
            if note.author_id == actor.user_id:
                stored = uow.chart_lists.note_diagnoses([note_id]).get(note_id, ())
                text_changed = _text_of(note) != text
                codes_changed = coded is not None and [d.code for d in stored] != [
                    d.code for d in coded
                ]
                if not text_changed and not codes_changed:
                    return DraftSaved(note.id, note.version, note.updated_at, False, stored)
                if text_changed:
                    note = uow.charts.update_note_text(note_id, text)
                if codes_changed and coded is not None:
                    stored = _bind(coded, note_id)
                    uow.chart_lists.set_note_diagnoses(note_id, note.patient_id, stored)
                detail = "autosave" + ("" if text_changed else ":diagnoses")
                self._audit_note(uow, actor, AuditAction.UPDATE, note, detail=detail)
                uow.commit()
                return DraftSaved(note.id, note.version, self._clock.now(), True, stored)
        self._deny_not_author(actor, note, Operation.CHART_EDIT, "edit")

    def set_note_diagnoses(
        self, actor: Actor, note_id: NoteId, codes: Sequence[str]
    ) -> tuple[NoteDiagnosis, ...]:
        """Replace the ICD-10 diagnoses of a draft note (signed notes refuse)."""
        self._gate.require(actor, Operation.CHART_EDIT, entity_type="note", entity_id=note_id)
        coded = self._coded(codes)
        with self._uow_factory(actor) as uow:
            note = self._get_unsigned_note(uow, actor, note_id, AuditAction.UPDATE)
            if note.author_id == actor.user_id:
                bound = _bind(coded, note_id)
                uow.chart_lists.set_note_diagnoses(note_id, note.patient_id, bound)
                self._audit_note(uow, actor, AuditAction.UPDATE, note, detail="diagnoses")
                uow.commit()
                return bound
        self._deny_not_author(actor, note, Operation.CHART_EDIT, "edit")

    def chart_summary(self, actor: Actor, patient_id: PatientId) -> ChartSummary:
        """Banner and summary tab in one read: lists, lesions under watch, last/next visit."""
        self._gate.require(
            actor,
            Operation.CHART_VIEW,
            patient_id=patient_id,
            entity_type="chart_summary",
            entity_id=patient_id,
        )
        now = self._clock.now()
        today = now.astimezone().date()
        with self._uow_factory(actor) as uow:
            patient = uow.patients.get(patient_id)
            if patient is None:
                raise NotFound("That patient record does not exist.")
            lists = uow.chart_lists
            allergies = sort_allergies([a for a in lists.allergies(patient_id) if a.is_active])
            problems = sort_problems([p for p in lists.problems(patient_id) if p.is_active])
            medications = sort_medications(
                [m for m in lists.medications(patient_id) if m.is_current(today)], today
            )
            visits = lists.visits(patient_id, now)
            summary = ChartSummary(
                banner=ChartBanner(
                    patient_id=patient.id,
                    mrn=patient.mrn,
                    display_name=patient.display_name,
                    given_name=patient.given_name,
                    family_name=patient.family_name,
                    date_of_birth=patient.date_of_birth,
                    age=patient.age_on(today),
                    sex=patient.sex,
                    fitzpatrick=patient.fitzpatrick,
                    flags=patient.flags,
                    allergy_substances=tuple(a.substance for a in allergies),
                    has_serious_allergy=any(a.severity in SERIOUS_SEVERITIES for a in allergies),
                ),
                active_problems=problems,
                allergies=allergies,
                current_medications=medications,
                lesions_under_watch=tuple(lists.lesions_under_watch(patient_id)),
                last_visit=visits.last,
                next_visit=visits.next,
                as_of=now,
            )
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.VIEW,
                entity_type="chart_summary",
                entity_id=patient_id,
                patient_id=patient_id,
            )
            uow.commit()
        return summary

    # --- internals -----------------------------------------------------------------

    def _coded(self, codes: Sequence[str]) -> tuple[NoteDiagnosis, ...]:
        """Look codes up in the catalogue: known codes only, no repeats, order kept."""
        catalog = self._catalog if self._catalog is not None else DiagnosisCatalog.bundled()
        seen: list[NoteDiagnosis] = []
        for raw in codes:
            code = normalise_code(raw)
            if code is None or any(d.code == code for d in seen):
                continue
            found = catalog.get(code)
            if found is None:
                raise ValidationFailed(
                    "That diagnosis code is not in the ICD-10 list.",
                    "Search by code or words and pick one from the list.",
                )
            seen.append(NoteDiagnosis(NoteId(""), found.code, found.title, len(seen)))
        if len(seen) > MAX_DIAGNOSES:
            raise ValidationFailed(f"A note can carry at most {MAX_DIAGNOSES} diagnoses.")
        return tuple(seen)

    @staticmethod
    def _get_note(uow: UnitOfWork, note_id: NoteId) -> SoapNote:
        note = uow.charts.get_note(note_id)
        if note is None:
            raise NotFound("That note does not exist.")
        return note

    def _get_unsigned_note(
        self, uow: UnitOfWork, actor: Actor, note_id: NoteId, action: AuditAction
    ) -> SoapNote:
        """The note, or ``SignedContentLocked`` for everyone once it is signed.

        Checked here, in the writing transaction, so a note signed a moment ago
        on another workstation is caught; the database trigger is the second line.
        The refused attempt is recorded.
        """
        note = self._get_note(uow, note_id)
        if note.is_signed:
            self._audit_note(
                uow, actor, action, note, outcome=AuditOutcome.FAILURE, detail="signed_locked"
            )
            uow.commit()
            raise SignedContentLocked()
        return note

    def _deny_not_author(
        self, actor: Actor, note: SoapNote, operation: Operation, verb: str
    ) -> NoReturn:
        # A signature attests "I wrote this"; a colleague adds their own note instead.
        self._gate.deny(
            actor,
            operation,
            message=f"Only the author of a draft note can {verb} it.",
            next_step="Write your own note, or an addendum once it is signed.",
            patient_id=note.patient_id,
            entity_type="note",
            entity_id=note.id,
            reason="not_author",
        )

    def _audit_note(
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: AuditAction,
        note: SoapNote,
        *,
        outcome: AuditOutcome = AuditOutcome.SUCCESS,
        detail: str = "",
    ) -> None:
        audit(
            uow,
            self._clock,
            actor,
            action,
            outcome=outcome,
            entity_type="note",
            entity_id=note.id,
            patient_id=note.patient_id,
            detail=detail,
        )


def _text_of(note: SoapNote) -> NoteText:
    return NoteText(note.subjective, note.objective, note.assessment, note.plan)


def _bind(coded: Sequence[NoteDiagnosis], note_id: NoteId) -> tuple[NoteDiagnosis, ...]:
    return tuple(replace(d, note_id=note_id) for d in coded)


__all__ = ["ChartService"]
