"""Patient search on a real SQLCipher database: the FTS5 index, its triggers, hostile input."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.patient_search import parse_query
from dermai_desktop.domain.patients import Patient, PatientDraft
from dermai_desktop.domain.users import Actor
from dermai_desktop.storage.database import Database
from dermai_desktop.storage.patient_search import (
    SqlPatientSearchRepository,
    is_search_index_table,
    render_match,
)
from dermai_desktop.storage.records import Base
from dermai_desktop.storage.unit_of_work import SqlUnitOfWorkFactory
from tests.integration.conftest import draft

TODAY = date(2026, 1, 5)

PEOPLE = [
    ("Mary-Jane", "O'Brien", date(1961, 7, 14), "+44 7700 900123"),
    ("John", "Smith", date(1975, 3, 2), "020 7946 0958"),
    ("Joan", "Smithers", date(1990, 12, 1), ""),
    ("Zoë", "Müller", date(1984, 4, 3), "+49 30 1234567"),
    ("محمد", "الحسيني", date(1970, 1, 1), "+971 4 555 0100"),
    ("Anna", "Smith", date(1961, 7, 14), "07700 900999"),
]


@pytest.fixture
def people(uow_factory: SqlUnitOfWorkFactory, manager: Actor) -> dict[str, Patient]:
    found: dict[str, Patient] = {}
    with uow_factory(manager) as uow:
        for number, (given, family, dob, phone) in enumerate(PEOPLE, start=1):
            patient = uow.patients.add(
                draft(given, family, date_of_birth=dob, phone=phone), f"DA{number:06d}"
            )
            found[given] = patient
        uow.commit()
    return found


def search(uow_factory: SqlUnitOfWorkFactory, actor: Actor, typed: str) -> list[str]:
    with uow_factory(actor) as uow:
        return [p.given_name for p in uow.patients.search(parse_query(typed, TODAY), 50)]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("smith", ["Anna", "John", "Joan"]),
        ("Smith, John", ["John"]),
        ("smi jo", ["John", "Joan"]),
        ("o'brien", ["Mary-Jane"]),
        ("obrien", ["Mary-Jane"]),
        ("O Brien mary jane", ["Mary-Jane"]),
        ("maryjane", ["Mary-Jane"]),
        ("muller", ["Zoë"]),
        ("MÜLLER zoe", ["Zoë"]),
        ("الحسيني", ["محمد"]),
        ("14/07/1961", ["Mary-Jane", "Anna"]),
        ("14.7.1961", ["Mary-Jane", "Anna"]),
        ("1961-07-14", ["Mary-Jane", "Anna"]),
        ("14 Jul 1961", ["Mary-Jane", "Anna"]),
        ("140761", ["Mary-Jane", "Anna"]),
        ("smith 14/07/61", ["Anna"]),
        ("DA000002", ["John"]),
        ("da2", ["John"]),
        ("000002", ["John"]),
        ("07700 900123", ["Mary-Jane"]),
        ("+44 7700 900123", ["Mary-Jane"]),
        ("900123", ["Mary-Jane"]),
        ("(020) 7946-0958", ["John"]),
        ("1234567", ["Zoë"]),
    ],
)
def test_search_finds_what_the_front_desk_types(
    uow_factory: SqlUnitOfWorkFactory,
    manager: Actor,
    people: dict[str, Patient],
    typed: str,
    expected: list[str],
) -> None:
    assert search(uow_factory, manager, typed) == expected


@pytest.mark.parametrize(
    "hostile",
    [
        '" OR 1=1 --',
        "NEAR(",
        "*",
        '"',
        "smith*",
        "smith OR",
        "AND",
        "names:smith",
        "{names mrn}: x",
        "^smith",
        "smith + jones",
        "'); DROP TABLE patients; --",
        "😀🙂",
        "\u202eSmith",
        "x" * 10_000,
        "\x00smith",
        "-",
        "31/02/1961",
        "NOT smith",
    ],
)
def test_hostile_input_never_reaches_fts_as_syntax(
    uow_factory: SqlUnitOfWorkFactory,
    manager: Actor,
    people: dict[str, Patient],
    hostile: str,
) -> None:
    found = search(uow_factory, manager, hostile)  # must not raise
    with uow_factory(manager) as uow:
        assert uow.patients.count() == len(PEOPLE)
    # Operators typed by the user are plain words: "smith*" finds Smiths, no more.
    if hostile in ("smith*", "^smith", "\u202eSmith", "\x00smith"):
        assert found == ["Anna", "John", "Joan"]
    if hostile in ("*", "😀🙂", "-", "31/02/1961"):
        assert found == []


def test_rendered_match_quotes_every_term() -> None:
    rendered = render_match(parse_query('smith" OR x', TODAY))
    assert rendered == 'names : "smith" * AND names : "or" * AND names : "x" *'


def test_index_follows_updates_and_tombstones(
    uow_factory: SqlUnitOfWorkFactory, manager: Actor, people: dict[str, Patient]
) -> None:
    john = people["John"]
    with uow_factory(manager) as uow:
        uow.patients.update(
            john.id, draft("John", "Carpenter", date_of_birth=john.date_of_birth), 1
        )
        uow.commit()
    assert search(uow_factory, manager, "carpenter") == ["John"]
    assert search(uow_factory, manager, "smith") == ["Anna", "Joan"]
    with uow_factory(manager) as uow:
        uow.session.execute(  # type: ignore[attr-defined]
            text("UPDATE patients SET deleted_at = '2026-01-05T09:00:00.000000Z' WHERE id = :i"),
            {"i": john.id},
        )
        uow.commit()
    assert search(uow_factory, manager, "carpenter") == []


def test_rolled_back_registration_leaves_no_index_entry(
    uow_factory: SqlUnitOfWorkFactory, manager: Actor, people: dict[str, Patient]
) -> None:
    with uow_factory(manager) as uow:
        uow.patients.add(draft("Ghost", "Writer"), "DA999999")
        assert [p.given_name for p in uow.patients.search(parse_query("writer", TODAY), 5)] == [
            "Ghost"
        ]
    assert search(uow_factory, manager, "writer") == []


def test_exact_identifier_hits_rank_first(
    uow_factory: SqlUnitOfWorkFactory, manager: Actor, people: dict[str, Patient]
) -> None:
    with uow_factory(manager) as uow:
        for n in range(20, 30):
            uow.patients.add(draft("Extra", f"Aaron{n}"), f"DA{n:06d}")
        uow.commit()
    # "2" is a prefix of MRNs 2 and 20-29; the exact MRN 2 (John) comes first.
    assert search(uow_factory, manager, "2")[0] == "John"


def test_ids_pages_and_get_many_follow_list_order(
    uow_factory: SqlUnitOfWorkFactory, manager: Actor, people: dict[str, Patient]
) -> None:
    with uow_factory(manager) as uow:
        ids = uow.patients.ids_sorted()
        first = uow.patients.page(0, 3)
        rest = uow.patients.page(3, 50)
        picked = uow.patients.get_many([ids[4], PatientId("no-such-id"), ids[1]])
    names = [p.family_name for p in first + rest]
    assert names == ["Müller", "O'Brien", "Smith", "Smith", "Smithers", "الحسيني"]
    assert [p.id for p in first + rest] == ids
    assert [p.id for p in picked] == [ids[4], ids[1]]


def test_find_duplicates_same_name_and_birth_date_or_same_phone(
    uow_factory: SqlUnitOfWorkFactory, manager: Actor, people: dict[str, Patient]
) -> None:
    def dupes(candidate: PatientDraft) -> list[str]:
        with uow_factory(manager) as uow:
            return sorted(p.given_name for p in uow.patients.find_duplicates(candidate))

    same_name = draft("mary jane", "OBRIEN", date_of_birth=date(1961, 7, 14), phone="")
    assert dupes(same_name) == ["Mary-Jane"]
    assert dupes(draft("Zoe", "Muller", date_of_birth=date(1984, 4, 3), phone="")) == ["Zoë"]
    other_day = draft("Mary-Jane", "O'Brien", date_of_birth=date(1961, 7, 15), phone="")
    assert dupes(other_day) == []
    # Same number written another way (national form): a likely duplicate.
    assert dupes(draft("New", "Person", phone="07700 900123")) == ["Mary-Jane"]
    # Only the last digits shared: not the same phone.
    assert dupes(draft("New", "Person", phone="+1 555 900123")) == []


def test_search_index_is_inside_the_encrypted_file_and_rebuilds(
    db: Database, uow_factory: SqlUnitOfWorkFactory, manager: Actor, people: dict[str, Patient]
) -> None:
    assert b"Smithers" not in db.path.read_bytes()
    with uow_factory(manager) as uow:
        repo = uow.patients
        assert isinstance(repo, SqlPatientSearchRepository)
        assert repo.rebuild_search_index() == len(PEOPLE)
        uow.commit()
    assert search(uow_factory, manager, "smithers") == ["Joan"]


def test_schema_matches_models_apart_from_the_search_index(db: Database) -> None:
    def include_name(name: str | None, type_: str, parent: dict[str, str | None]) -> bool:
        return not (type_ == "table" and is_search_index_table(name))

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diffs = compare_metadata(context, Base.metadata)
        tables = {
            row[0]
            for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
        }
    assert diffs == []
    assert "patient_search" in tables
