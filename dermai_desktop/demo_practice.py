"""The demo practice: patients with charts and a schedule, written through the services.

``build_practice`` fills a freshly created demo clinic with ``patient_count``
invented patients (Faker, fixed seed, so every build is the same clinic):
problems, allergies and medications; signed visit notes (some with addenda,
a few drafts awaiting signature); and, when the scheduling service is
installed, six months of past and two months of future appointments with
realistic outcomes, a waitlist and recalls.

Everything goes through the services (see ``demo_seed``) in batches of
``BATCH`` patients, each one transaction: an interrupted build keeps every
finished batch and the clinic stays consistent.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dermai_desktop import demo_content as content
from dermai_desktop.domain.ids import EncounterId, PatientId, UserId, WorkstationId
from dermai_desktop.domain.patients import FitzpatrickType, PatientDraft, Sex
from dermai_desktop.domain.roles import Role
from dermai_desktop.domain.users import Actor
from dermai_desktop.services.dto import NoteText
from dermai_desktop.services.registry import Services

log = logging.getLogger(__name__)

#: Patients per transaction: big enough that fsyncs do not dominate, small enough
#: that a kill loses little and the write lock is released often.
BATCH = 100
FIRST_COMMITS = frozenset({1, 5, 20, 50})
SEED = 20261125
HISTORY_YEARS = 3


@dataclass
class Staff:
    manager: Actor
    front_desk: list[Actor]
    dermatologists: list[Actor]


@dataclass
class PracticeStats:
    patients: int = 0
    problems: int = 0
    allergies: int = 0
    medications: int = 0
    notes: int = 0
    addenda: int = 0
    drafts: int = 0
    appointments: int = 0
    waitlist: int = 0
    recalls: int = 0
    lesions: int = 0
    images: int = 0
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)


@dataclass
class _Person:
    id: PatientId
    condition: content.Condition
    registered: datetime
    fitzpatrick: int = 2  # for the demo's synthetic lesion photos


#: Below this many patients the diary covers weeks instead of months.
SMALL_PRACTICE = 200


class PracticeBuilder:
    """Writes the demo practice; ``services`` run on a batching factory and ``clock``."""

    def __init__(
        self,
        services: Services,
        clock: Any,
        commit: Callable[[], None],
        staff: Staff,
        *,
        seed: int = SEED,
        now: datetime | None = None,
        stores: set[str] | frozenset[str] = frozenset({"chart_lists", "schedule"}),
    ) -> None:
        from faker import Faker  # only the demo needs Faker

        self.s = services
        self.clock = clock
        self.commit = commit
        self.staff = staff
        self.rng = random.Random(seed)  # noqa: S311 - invented demo data, not security
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
        self.stats = PracticeStats()
        self.people: list[_Person] = []
        # A part is built only when both its service and its storage are installed.
        self.has_lists = hasattr(services, "chart_lists") and "chart_lists" in stores
        self.has_schedule = hasattr(services, "schedule") and "schedule" in stores
        self.has_images = hasattr(services, "images") and "images" in stores
        self.past_days, self.future_days = 183, 61  # the diary: 6 months back, 2 ahead

    # --- the whole build --------------------------------------------------------------

    def build(self, patient_count: int) -> PracticeStats:
        started = time.perf_counter()
        if patient_count < SMALL_PRACTICE:
            # A handful of patients (tests, quick looks) gets a diary of a few weeks, not
            # eight months of the same dozen people.
            self.past_days, self.future_days = 14, 14
        registered = sorted(
            self.now - timedelta(minutes=self.rng.randint(60 * 24 * 200, 60 * 24 * 365 * 3))
            for _ in range(patient_count)
        )
        for index, moment in enumerate(registered):
            self._patient(moment)
            # Small first batches: the first patients are on disk within a second.
            if (index + 1) % BATCH == 0 or index + 1 in FIRST_COMMITS:
                self.commit()
        self.commit()
        if self.has_schedule:
            from dermai_desktop.demo_schedule import build_schedule

            build_schedule(self)
        else:
            self.stats.skipped.append("appointments, waitlist and recalls (service missing)")
        if self.has_images and self.has_schedule:
            from dermai_desktop.demo_lesions import build_lesions

            lesions = build_lesions(self)
            self.stats.lesions, self.stats.images = lesions.lesions, lesions.images
        else:
            self.stats.skipped.append("lesions and images (service missing)")
        if not self.has_lists:
            self.stats.skipped.append("problems, allergies and medications (service missing)")
        self.stats.seconds = time.perf_counter() - started
        return self.stats

    # --- one patient ------------------------------------------------------------------

    def _patient(self, registered: datetime) -> None:
        rng, fake = self.rng, self.fake
        sex = rng.choices([Sex.FEMALE, Sex.MALE, Sex.INTERSEX], weights=[52, 47, 1])[0]
        given = fake.first_name_female() if sex is Sex.FEMALE else fake.first_name_male()
        family = fake.last_name()
        born = fake.date_of_birth(minimum_age=4, maximum_age=92)
        self.clock.set(registered)
        patient = self.s.patients.register(
            rng.choice(self.staff.front_desk),
            PatientDraft(
                given_name=given,
                family_name=family,
                date_of_birth=date(born.year, born.month, born.day),
                sex=sex,
                phone=f"07700 9{rng.randint(0, 99999):05d}",
                email=f"{given.lower()}.{family.lower().replace(' ', '')}"
                f"{rng.randint(1, 99)}@example.com",
                address=fake.address().replace("\n", ", "),
                fitzpatrick=rng.choices(list(FitzpatrickType), weights=[8, 30, 28, 16, 10, 8])[0],
            ),
        )
        self.stats.patients += 1
        condition = content.pick_condition(rng)
        person = _Person(patient.id, condition, registered, int(patient.fitzpatrick or 2))
        self.people.append(person)
        clinician = rng.choice(self.staff.dermatologists)
        first_visit = registered + timedelta(days=rng.randint(3, 40), hours=rng.randint(0, 6))
        if self.has_lists:
            self._lists(person, clinician, first_visit)
        # Some charts go back further than the diary's six months: an older visit.
        if first_visit < self.now - timedelta(days=190) and rng.random() < 0.3:
            self.visit_note(person, clinician, first_visit)

    def _lists(self, person: _Person, clinician: Actor, at: datetime) -> None:
        from dermai_desktop.domain.chart_lists import (
            AllergyDraft,
            AllergySeverity,
            MedicationDraft,
            MedicationStatus,
            ProblemDraft,
            ProblemStatus,
        )

        rng, lists, pid = self.rng, self.s.chart_lists, person.id
        self.clock.set(at)
        onset = (at - timedelta(days=rng.randint(30, 3000))).date()
        conditions = [person.condition]
        if rng.random() < 0.3:
            conditions.append(content.pick_condition(rng))
        for condition in dict.fromkeys(conditions):
            lists.add_problem(
                clinician, pid, ProblemDraft(condition.label, condition.code, onset=onset)
            )
            self.stats.problems += 1
        if rng.random() < 0.12:  # an old problem, since resolved
            old = content.pick_condition(rng)
            resolved = onset + timedelta(days=rng.randint(30, 400))
            if resolved < at.date():
                lists.add_problem(
                    clinician,
                    pid,
                    ProblemDraft(
                        old.label,
                        old.code,
                        onset=onset,
                        status=ProblemStatus.RESOLVED,
                        resolved_on=resolved,
                    ),
                )
                self.stats.problems += 1
        allergy_count = rng.choices([0, 1, 2], weights=[60, 32, 8])[0]
        seen: set[str] = set()
        for _ in range(allergy_count):
            substance, reaction, severity = content.pick_allergy(rng)
            if substance in seen:
                continue
            seen.add(substance)
            lists.add_allergy(
                clinician, pid, AllergyDraft(substance, reaction, AllergySeverity(severity))
            )
            self.stats.allergies += 1
        drugs = list(person.condition.drugs[: rng.randint(0, 2)])
        if rng.random() < 0.3:
            drugs.append(rng.choice(content.OTHER_MEDICATIONS))
        for name, dose, route, frequency in drugs:
            start = (at - timedelta(days=rng.randint(0, 400))).date()
            stopped = rng.random() < 0.2
            lists.add_medication(
                clinician,
                pid,
                MedicationDraft(
                    name,
                    dose,
                    route,
                    frequency,
                    start=start,
                    stop=at.date() if stopped else None,
                    status=MedicationStatus.STOPPED if stopped else MedicationStatus.ACTIVE,
                ),
            )
            self.stats.medications += 1

    # --- visit notes ------------------------------------------------------------------

    def visit_note(
        self,
        person: _Person,
        clinician: Actor,
        at: datetime,
        *,
        sign: bool = True,
        condition: content.Condition | None = None,
    ) -> EncounterId:
        """An encounter with a SOAP note written during the visit and signed after it."""
        rng, charts = self.rng, self.s.charts
        condition = condition or person.condition
        self.clock.set(at)
        encounter = charts.start_encounter(clinician, person.id, condition.reason)
        text = NoteText(
            subjective=content.subjective(condition, rng),
            objective=content.fill(rng.choice(condition.findings), rng),
            assessment=content.fill(condition.assessment, rng),
            plan=content.fill(rng.choice(condition.plans), rng),
        )
        note = charts.write_note(clinician, encounter.id, text, patient_id=person.id)
        self.stats.notes += 1
        if not sign:
            self.stats.drafts += 1
            return encounter.id
        self.clock.set(at + timedelta(minutes=rng.randint(12, 240)))
        charts.sign_note(clinician, note.id)
        if rng.random() < 0.08:
            self.clock.set(at + timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 5)))
            charts.add_addendum(clinician, note.id, NoteText(plan=content.addendum(rng)))
            self.stats.addenda += 1
        return encounter.id


def staff_actors(services: Services, manager: Actor, workstation: WorkstationId) -> Staff:
    """Actors for every demo account, from the user list (no sign-in needed per person)."""
    users = services.users.list_users(manager)

    def actors(role: Role) -> list[Actor]:
        return [
            Actor(UserId(u.id), u.username, u.role, workstation)
            for u in sorted(users, key=lambda u: u.username)
            if u.role is role and u.active
        ]

    return Staff(manager, actors(Role.FRONT_DESK), actors(Role.DERMATOLOGIST))


__all__ = ["BATCH", "PracticeBuilder", "PracticeStats", "Staff", "staff_actors"]
