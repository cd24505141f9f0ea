"""Registering patients and keeping their demographics; every access is audited."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import fields, replace
from datetime import date, datetime, timedelta

from dermai_desktop.domain.audit import AuditAction
from dermai_desktop.domain.errors import NotFound, ValidationFailed
from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.patient_search import parse_query
from dermai_desktop.domain.patients import FitzpatrickType, Patient, PatientDraft, Sex
from dermai_desktop.domain.roles import Operation
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.dto import PatientSummary
from dermai_desktop.services.permissions import Gatekeeper, audit
from dermai_desktop.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from dermai_desktop.services.settings import SettingsService

log = logging.getLogger(__name__)

MAX_NAME = 200
MAX_ADDRESS = 500
MAX_EMAIL = 254  # RFC 5321 path limit
MAX_FLAG = 50
MAX_FLAGS = 20
EARLIEST_BIRTH = date(1900, 1, 1)
MRN_DIGITS = 6
#: Upper bounds a caller cannot exceed (a page of the lazy list; one search).
MAX_PAGE = 500
MAX_SEARCH_RESULTS = 500

_PHONE_CHARS = re.compile(r"\+?[0-9 ().\-/]+")
# Deliberately loose: the only goal is catching typos, not RFC 5322 pedantry.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_FIELDS = tuple(f.name for f in fields(PatientDraft))


class PatientValidationFailed(ValidationFailed):
    """``ValidationFailed`` that also says which fields are wrong, for the form."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        text = " ".join(problems.values())
        super().__init__(f"Please check: {text}", "Correct the highlighted fields and save again.")


def format_mrn(prefix: str, number: int) -> str:
    """``DA`` and 42 -> ``DA000042``; numbers past the padding simply grow longer."""
    if number < 1:
        raise ValueError("MRN numbers start at 1")
    return f"{prefix}{number:0{MRN_DIGITS}d}"


def _clean_text(value: str) -> str:
    # NFC so the same name typed on two keyboards compares equal; collapse
    # whitespace so stray spaces do not create "different" patients.
    return " ".join(unicodedata.normalize("NFC", value).split())


#: Bidi embeddings, overrides and isolates: real names in any script never need
#: them, and they can make a record display as someone else's name.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _has_control(value: str) -> bool:
    return any(unicodedata.category(ch) in {"Cc", "Cs"} or ch in _BIDI_CONTROLS for ch in value)


def _check_name(label: str, value: str) -> str | None:
    if not value:
        return f"The {label} is required."
    if len(value) > MAX_NAME:
        return f"The {label} can have at most {MAX_NAME} characters."
    if _has_control(value):
        return f"The {label} contains characters that cannot be shown."
    return None


def _check_birth(dob: date, today: date) -> str | None:
    # A newborn registered just after midnight local time may still be "tomorrow"
    # in UTC, so one day of slack; anything further ahead is a typo.
    if dob > today + timedelta(days=1):
        return "The date of birth cannot be in the future."
    if dob < EARLIEST_BIRTH:
        return "The date of birth cannot be before 1900."
    return None


def _check_phone(phone: str) -> str | None:
    digits = sum(ch.isdigit() for ch in phone)
    if phone and (not _PHONE_CHARS.fullmatch(phone) or not 6 <= digits <= 15):
        return "The phone number should have 6 to 15 digits, with + ( ) - allowed."
    return None


def _check_address(address: str) -> str | None:
    if len(address) > MAX_ADDRESS:
        return f"The address can have at most {MAX_ADDRESS} characters."
    if any(_has_control(line) for line in address.splitlines()):
        return "The address contains characters that cannot be shown."
    return None


def validate_draft(draft: PatientDraft, today: date) -> PatientDraft:
    """Return a cleaned draft or raise ``PatientValidationFailed`` listing every problem.

    Messages name fields, never values: they may be logged or reported.
    """
    given = _clean_text(draft.given_name)
    family = _clean_text(draft.family_name)
    dob = draft.date_of_birth
    if isinstance(dob, datetime):  # a datetime is a date, but compares only with datetimes
        dob = dob.date()
    phone = _clean_text(draft.phone)
    email = draft.email.strip()
    address = "\n".join(_clean_text(line) for line in draft.address.strip().splitlines())
    flags = tuple(dict.fromkeys(_clean_text(f) for f in draft.flags if _clean_text(f)))
    checks = {
        "given_name": _check_name("given name", given),
        "family_name": _check_name("family name", family),
        "date_of_birth": _check_birth(dob, today),
        "phone": _check_phone(phone),
        "address": _check_address(address),
    }
    if email and (len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email)):
        checks["email"] = "The e-mail address does not look right (name@example.org)."
    try:
        sex = Sex(draft.sex)
    except ValueError:
        checks["sex"] = "Choose a sex (or unknown)."
        sex = Sex.UNKNOWN
    fitzpatrick: FitzpatrickType | None = None
    if draft.fitzpatrick is not None:
        try:
            fitzpatrick = FitzpatrickType(draft.fitzpatrick)
        except ValueError:
            checks["fitzpatrick"] = "Choose a Fitzpatrick skin type from I to VI."
    if len(flags) > MAX_FLAGS or any(len(f) > MAX_FLAG or _has_control(f) for f in flags):
        checks["flags"] = f"Use at most {MAX_FLAGS} flags of up to {MAX_FLAG} characters."
    problems = {field: message for field, message in checks.items() if message is not None}
    if problems:
        raise PatientValidationFailed(problems)
    return replace(
        draft,
        given_name=given,
        family_name=family,
        date_of_birth=dob,
        sex=sex,
        phone=phone,
        email=email,
        address=address,
        fitzpatrick=fitzpatrick,
        flags=flags,
    )


class PatientService:
    """Front desk and clinicians register and edit; managers may look up demographics."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, settings: SettingsService
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._settings = settings
        self._gate = Gatekeeper(uow_factory, clock)

    def register(self, actor: Actor, draft: PatientDraft) -> Patient:
        self._gate.require(actor, Operation.PATIENT_REGISTER, entity_type="patient")
        clean = validate_draft(draft, self._clock.now().date())
        with self._uow_factory(actor) as uow:
            prefix = self._settings.str_value("clinic.mrn_prefix", uow=uow)
            # Same transaction as the insert: writers are serialised, so two desks
            # cannot be handed the same number.
            mrn = format_mrn(prefix, uow.patients.next_mrn_number())
            patient = uow.patients.add(clean, mrn)
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.CREATE,
                entity_type="patient",
                entity_id=patient.id,
                patient_id=patient.id,
            )
            uow.commit()
        log.info("patient registered: patient=%s by=%s", patient.id, actor.user_id)
        return patient

    def get(self, actor: Actor, patient_id: PatientId) -> Patient:
        self._gate.require(
            actor,
            Operation.DEMOGRAPHICS_VIEW,
            patient_id=patient_id,
            entity_type="patient",
            entity_id=patient_id,
        )
        with self._uow_factory(actor) as uow:
            patient = uow.patients.get(patient_id)
            if patient is None:
                raise NotFound("That patient record does not exist.")
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.VIEW,
                entity_type="patient",
                entity_id=patient_id,
                patient_id=patient_id,
            )
            uow.commit()
        return patient

    def update(
        self, actor: Actor, patient_id: PatientId, draft: PatientDraft, expected_version: int
    ) -> Patient:
        """Save edited demographics; a stale ``expected_version`` is refused, not merged."""
        self._gate.require(
            actor,
            Operation.DEMOGRAPHICS_EDIT,
            patient_id=patient_id,
            entity_type="patient",
            entity_id=patient_id,
        )
        clean = validate_draft(draft, self._clock.now().date())
        with self._uow_factory(actor) as uow:
            before = uow.patients.get(patient_id)
            if before is None:
                raise NotFound("That patient record does not exist.")
            if before.version != expected_version:
                raise ValidationFailed(
                    "Someone else changed this patient while you were editing.",
                    "Reopen the patient to see their changes, then edit again.",
                )
            patient = uow.patients.update(patient_id, clean, expected_version)
            changed = sorted(f for f in _FIELDS if getattr(before, f) != getattr(patient, f))
            # Field names only: the trail says what kind of thing changed, not to what.
            audit(
                uow,
                self._clock,
                actor,
                AuditAction.UPDATE,
                entity_type="patient",
                entity_id=patient_id,
                patient_id=patient_id,
                detail="fields=" + ",".join(changed),
            )
            uow.commit()
        return patient

    # --- finding patients ----------------------------------------------------------

    def search(self, actor: Actor, text: str, limit: int = 50) -> list[PatientSummary]:
        """Patients matching what was typed: names, MRN, phone, date of birth.

        Never raises for odd input (FTS syntax, emoji, 10,000 characters): the
        query parser reduces it to plain terms, or to nothing (no results).
        One audit row per search; the typed text is not recorded (it is PHI).
        """
        self._gate.require(actor, Operation.DEMOGRAPHICS_VIEW, entity_type="patient_search")
        today = self._clock.now().date()
        query = parse_query(text, today)
        limit = max(0, min(limit, MAX_SEARCH_RESULTS))
        if query.is_empty or limit == 0:
            return []
        with self._uow_factory(actor) as uow:
            found = uow.patients.search(query, limit)
            self._audit_listing(
                uow, actor, "patient_search", f"kind={query.kind.value};results={len(found)}"
            )
            uow.commit()
        return [summarize(p, today) for p in found]

    def list_ids(self, actor: Actor) -> list[PatientId]:
        """Every patient's id in list order (family, given name, birth date) for a lazy list."""
        self._gate.require(actor, Operation.DEMOGRAPHICS_VIEW, entity_type="patient_list")
        with self._uow_factory(actor) as uow:
            ids = uow.patients.ids_sorted()
            self._audit_listing(uow, actor, "patient_list", f"count={len(ids)}")
            uow.commit()
        return ids

    def summaries(self, actor: Actor, ids: Sequence[PatientId]) -> list[PatientSummary]:
        """Rows for ``ids`` in the order given (a page of the lazy list); unknown ids skipped."""
        self._gate.require(actor, Operation.DEMOGRAPHICS_VIEW, entity_type="patient_list")
        if len(ids) > MAX_PAGE:
            raise ValidationFailed(f"Ask for at most {MAX_PAGE} patients at a time.")
        if not ids:
            return []
        today = self._clock.now().date()
        with self._uow_factory(actor) as uow:
            found = uow.patients.get_many(ids)
            self._audit_listing(uow, actor, "patient_list", f"rows={len(found)}")
            uow.commit()
        return [summarize(p, today) for p in found]

    def find_duplicates(
        self, actor: Actor, draft: PatientDraft, exclude: PatientId | None = None
    ) -> list[PatientSummary]:
        """Registered patients this draft may be: same name and birth date, or same phone.

        ``exclude``: the patient being edited (never their own duplicate). Each
        match shown is audited as a view of that patient.
        """
        self._gate.require(actor, Operation.DEMOGRAPHICS_VIEW, entity_type="patient_duplicates")
        dob = draft.date_of_birth
        if isinstance(dob, datetime):
            dob = dob.date()
        clean = replace(
            draft,
            given_name=_clean_text(draft.given_name)[:MAX_NAME],
            family_name=_clean_text(draft.family_name)[:MAX_NAME],
            phone=_clean_text(draft.phone)[:MAX_NAME],
            date_of_birth=dob,
        )
        if not (clean.given_name and clean.family_name) and not clean.phone:
            return []
        today = self._clock.now().date()
        with self._uow_factory(actor) as uow:
            found = [p for p in uow.patients.find_duplicates(clean) if p.id != exclude]
            for patient in found:
                audit(
                    uow,
                    self._clock,
                    actor,
                    AuditAction.VIEW,
                    entity_type="patient_duplicates",
                    entity_id=patient.id,
                    patient_id=patient.id,
                )
            uow.commit()
        return [summarize(p, today) for p in found]

    # Searches and list pages are audited alike: what kind of listing, and how much it showed.
    def _audit_listing(self, uow: UnitOfWork, actor: Actor, entity_type: str, detail: str) -> None:
        audit(uow, self._clock, actor, AuditAction.VIEW, entity_type=entity_type, detail=detail)


def summarize(patient: Patient, today: date) -> PatientSummary:
    """The list row for ``patient`` (age on ``today``)."""
    return PatientSummary(
        id=patient.id,
        mrn=patient.mrn,
        display_name=patient.display_name,
        date_of_birth=patient.date_of_birth,
        sex=patient.sex,
        phone=patient.phone,
        age=max(0, patient.age_on(today)),
    )


__all__ = [
    "MAX_PAGE",
    "MAX_SEARCH_RESULTS",
    "PatientService",
    "PatientValidationFailed",
    "format_mrn",
    "summarize",
    "validate_draft",
]
