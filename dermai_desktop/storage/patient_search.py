"""Patient search and registry queries over the FTS5 index of migration 0003.

User text never reaches ``MATCH`` as syntax: ``domain.patient_search.parse_query``
reduces it to letters, digits and marks, and ``render_match`` quotes every term
(doubling any quote) and adds only our own operators and column filters.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import islice
from typing import cast

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.patient_search import (
    Alternative,
    Column,
    PatientQuery,
    name_key,
    parse_query,
    phone_digits,
    phones_match,
)
from dermai_desktop.domain.patients import Patient, PatientDraft
from dermai_desktop.storage.records import PatientRecord
from dermai_desktop.storage.repositories import Now, SqlPatientRepository, _patient

log = logging.getLogger(__name__)

#: Tables that make up the index (the FTS5 table and its shadow tables). Schema
#: comparisons against the ORM metadata skip these: they are not ORM tables.
SEARCH_TABLE = "patient_search"

#: At most this many index hits are ranked for one query. Beyond it the query is
#: too broad to be useful ("s"), and ranking every hit would cost more than the
#: 5 ms budget at 100,000 patients; the screen says "keep typing".
MAX_CANDIDATES = 1000

_MRN_LETTERS = "abcdefghijklmnopqrstuvwxyz-/ "
_ORDER = "p.family_name COLLATE NOCASE, p.given_name COLLATE NOCASE, p.date_of_birth, p.id"
_PHONE_DIGITS = "p.phone"
for _ch in " ().-/+":
    _PHONE_DIGITS = f"replace({_PHONE_DIGITS}, '{_ch}', '')"
_PATIENTS = PatientRecord.__table__

# Everything below is built from the constants above; values are bound parameters.
# The index is joined on rowid: reading FTS5 content for thousands of hits would
# cost more than the whole budget. ``_indexed_ids`` then confirms the rows returned.
_SEARCH_SQL = """
    SELECT p.id, p.rowid
    FROM (
        SELECT rowid AS hit_rowid FROM patient_search
        WHERE patient_search MATCH :match
        LIMIT :candidates
    ) AS hit
    JOIN patients AS p ON p.rowid = hit.hit_rowid
    WHERE p.deleted_at IS NULL
    ORDER BY {rank}{order}
    LIMIT :limit
"""
_IDS_SQL = f"SELECT p.id FROM patients AS p WHERE p.deleted_at IS NULL ORDER BY {_ORDER}"  # noqa: S608
_PAGE_SQL = f"""
    SELECT p.id FROM patients AS p WHERE p.deleted_at IS NULL
    ORDER BY {_ORDER} LIMIT :limit OFFSET :offset
"""  # noqa: S608


def _search_sql(query: PatientQuery) -> tuple[str, dict[str, object]]:
    """The search statement, with exact identifier hits (MRN, phone, DOB) ranked first."""
    tests: list[str] = []
    params: dict[str, object] = {}
    for n, (column, value) in enumerate(sorted(query.exact)):
        key = f"exact{n}"
        if column is Column.MRN:
            tests.append(f"ltrim(ltrim(lower(p.mrn), '{_MRN_LETTERS}'), '0') = :{key}")
            params[key] = value
        elif column is Column.DOB:
            tests.append(f"replace(p.date_of_birth, '-', '') = :{key}")
            params[key] = value
        elif column is Column.PHONE:
            tests.append(f"ltrim({_PHONE_DIGITS}, '0') LIKE :{key}")
            params[key] = "%" + value  # digits only: no LIKE wildcards inside
    rank = f"(CASE WHEN {' OR '.join(tests)} THEN 0 ELSE 1 END), " if tests else ""
    return _SEARCH_SQL.format(rank=rank, order=_ORDER), params


def is_search_index_table(name: str | None) -> bool:
    """Whether ``name`` belongs to the search index (for alembic ``include_name``)."""
    return name is not None and (name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_"))


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _render_alternative(alt: Alternative) -> str:
    return f"{alt.column.value} : {_quote(alt.text)}{' *' if alt.prefix else ''}"


def render_match(query: PatientQuery) -> str:
    """The FTS5 expression for a parsed query: quoted terms, our operators only."""
    parts: list[str] = []
    for group in query.groups:
        rendered = [_render_alternative(alt) for alt in group]
        parts.append(rendered[0] if len(rendered) == 1 else "(" + " OR ".join(rendered) + ")")
    return " AND ".join(parts)


class SqlPatientSearchRepository(SqlPatientRepository):
    """``SqlPatientRepository`` plus search, paging and duplicate detection."""

    def __init__(self, session: Session, now: Now) -> None:
        super().__init__(session, now)

    def search(self, query: PatientQuery, limit: int) -> list[Patient]:
        """Patients matching ``query``: exact identifier hits first, then by name.

        The index is read in its own order and cut at ``MAX_CANDIDATES`` before
        joining and sorting, so a one-letter query costs no more than a precise one.
        """
        if query.is_empty or limit <= 0:
            return []
        sql, params = _search_sql(query)
        params.update(match=render_match(query), candidates=MAX_CANDIDATES, limit=limit)
        chosen = list(self._session.execute(text(sql), params))
        indexed = self._indexed_ids([row[1] for row in chosen])
        ids = [PatientId(row[0]) for row in chosen if indexed.get(row[1]) == row[0]]
        if len(ids) != len(chosen):
            # Only possible if rowids were renumbered (a VACUUM): never show a wrong
            # patient; say so in the log (ids only) so IT can rebuild the index.
            log.warning("patient search index out of step: %d rows", len(chosen) - len(ids))
        return self.get_many(ids)

    def _indexed_ids(self, rowids: list[int]) -> dict[int, str]:
        if not rowids:
            return {}
        rows = self._session.execute(
            text("SELECT rowid, patient_id FROM patient_search WHERE rowid IN :rowids").bindparams(
                bindparam("rowids", expanding=True)
            ),
            {"rowids": rowids},
        )
        return {int(r[0]): str(r[1]) for r in rows}

    def ids_sorted(self) -> list[PatientId]:
        """Every live patient's id in list order (family name, given name, birth date)."""
        rows = self._session.execute(text(_IDS_SQL))
        return [PatientId(row[0]) for row in rows]

    def page(self, offset: int, limit: int) -> list[Patient]:
        """One page of the list, in ``ids_sorted`` order."""
        if limit <= 0:
            return []
        rows = self._session.execute(text(_PAGE_SQL), {"limit": limit, "offset": max(0, offset)})
        return self.get_many([PatientId(row[0]) for row in rows])

    def get_many(self, ids: Sequence[PatientId]) -> list[Patient]:
        """The live patients among ``ids``, in the order given (missing ones left out)."""
        found: dict[str, Patient] = {}
        iterator = iter(dict.fromkeys(ids))
        while chunk := list(islice(iterator, 500)):
            # Core rows, not ORM objects: a page of 200 builds in a fraction of the time,
            # and the session has already flushed anything this unit of work changed.
            rows = self._session.execute(
                select(_PATIENTS).where(_PATIENTS.c.id.in_(chunk), _PATIENTS.c.deleted_at.is_(None))
            )
            found.update((row.id, _patient(cast(PatientRecord, row))) for row in rows)
        return [found[i] for i in ids if i in found]

    def find_duplicates(self, draft: PatientDraft) -> list[Patient]:
        """Live patients with the same name and date of birth, or the same phone number."""
        candidates: dict[str, Patient] = {}
        dob = draft.date_of_birth.strftime("%Y-%m-%d")
        names = f"{draft.given_name} {draft.family_name}"
        by_name = parse_query(f"{names} {dob}", draft.date_of_birth)
        if not by_name.is_empty:
            candidates.update((p.id, p) for p in self.search(by_name, 50))
        digits = phone_digits(draft.phone).lstrip("0")
        if len(digits) >= 6:
            phone_query = PatientQuery(groups=((Alternative(Column.PHONE, digits[-9:]),),))
            candidates.update((p.id, p) for p in self.search(phone_query, 50))
        family, given = name_key(draft.family_name), name_key(draft.given_name)
        return [
            p
            for p in candidates.values()
            if (
                p.date_of_birth == draft.date_of_birth
                and name_key(p.family_name) == family
                and name_key(p.given_name) == given
            )
            or (draft.phone and phones_match(p.phone, draft.phone))
        ]

    def rebuild_search_index(self) -> int:
        """Re-derive the whole index from ``patients`` (after a VACUUM, or a repair)."""
        self._session.execute(text("DELETE FROM patient_search"))
        self._session.execute(text("UPDATE patients SET mrn = mrn"))
        count = self._session.execute(text("SELECT count(*) FROM patient_search")).scalar()
        return int(count or 0)


__all__ = [
    "MAX_CANDIDATES",
    "SEARCH_TABLE",
    "SqlPatientSearchRepository",
    "is_search_index_table",
    "render_match",
]
