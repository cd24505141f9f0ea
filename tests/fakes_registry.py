"""In-memory patient search for ``FakePatientRepository``: the same rules as the FTS5 index.

Matching goes through ``domain.patient_search.index_tokens`` and
``PatientQuery.matches``, the pure statement of what the SQL triggers index,
so a service test that passes here asks nothing the real index cannot do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.patient_search import (
    Column,
    PatientQuery,
    index_tokens,
    name_key,
    phone_digits,
    phones_match,
)
from dermai_desktop.domain.patients import Patient, PatientDraft

if TYPE_CHECKING:
    from tests.fakes import FakeState


def list_order(patient: Patient) -> tuple[str, str, str, str]:
    return (
        patient.family_name.casefold(),
        patient.given_name.casefold(),
        patient.date_of_birth.isoformat(),
        patient.id,
    )


def _exact(patient: Patient, query: PatientQuery) -> int:
    for column, value in query.exact:
        number = patient.mrn.casefold().lstrip("abcdefghijklmnopqrstuvwxyz-/ ").lstrip("0")
        if column is Column.MRN and number == value:
            return 0
        if column is Column.PHONE and phone_digits(patient.phone).lstrip("0").endswith(value):
            return 0
        if column is Column.DOB and patient.date_of_birth.strftime("%Y%m%d") == value:
            return 0
    return 1


class PatientSearchFakeMixin:
    """Search, list and duplicate lookups over ``self._s.patients``."""

    _s: FakeState

    def search(self, query: PatientQuery, limit: int) -> list[Patient]:
        hits = [
            p
            for p in self._s.patients.values()
            if query.matches(
                index_tokens(p.given_name, p.family_name, p.mrn, p.phone, p.date_of_birth)
            )
        ]
        hits.sort(key=list_order)
        hits.sort(key=lambda p: _exact(p, query))
        return hits[: max(0, limit)]

    def ids_sorted(self) -> list[PatientId]:
        return [p.id for p in sorted(self._s.patients.values(), key=list_order)]

    def page(self, offset: int, limit: int) -> list[Patient]:
        ordered = sorted(self._s.patients.values(), key=list_order)
        return ordered[max(0, offset) : max(0, offset) + max(0, limit)]

    def get_many(self, ids: Sequence[PatientId]) -> list[Patient]:
        return [self._s.patients[i] for i in ids if i in self._s.patients]

    def find_duplicates(self, draft: PatientDraft) -> list[Patient]:
        family, given = name_key(draft.family_name), name_key(draft.given_name)
        return [
            p
            for p in sorted(self._s.patients.values(), key=list_order)
            if (
                p.date_of_birth == draft.date_of_birth
                and name_key(p.family_name) == family
                and name_key(p.given_name) == given
            )
            or (draft.phone and phones_match(p.phone, draft.phone))
        ]


__all__ = ["PatientSearchFakeMixin", "list_order"]
