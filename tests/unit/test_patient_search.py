"""Patient search: the query parser (pure) and the service over the in-memory fakes."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dermai_desktop.domain.errors import PermissionDenied, ValidationFailed
from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.patient_search import (
    Alternative,
    Column,
    QueryKind,
    index_tokens,
    name_key,
    parse_query,
    phone_suffixes,
    phones_match,
)
from dermai_desktop.domain.roles import Role
from tests.fakes import T0
from tests.unit.conftest import World, draft

TODAY = date(2026, 1, 5)
BORN = "19610714"


def dob_values(typed: str) -> set[str]:
    query = parse_query(typed, TODAY)
    return {alt.text for group in query.groups for alt in group if alt.column is Column.DOB}


@pytest.mark.parametrize(
    "typed",
    [
        "14/07/1961",
        "14.7.1961",
        "14-07-1961",
        "1961-07-14",
        "1961/7/14",
        "14 Jul 1961",
        "14 July 1961",
        "14th July 1961",
        "Jul 14 1961",
        "July 14, 1961",
        "14-jul-61",
        "140761",
        "14071961",
        "19610714",
        "14/07/61",
        "07/14/1961",  # impossible day-first, so month-first
        "14 07 1961",
    ],
)
def test_dates_of_birth_in_many_typed_formats(typed: str) -> None:
    assert BORN in dob_values(typed)


def test_ambiguous_numeric_date_reads_day_first_by_default() -> None:
    assert dob_values("03/04/1961") == {"19610403"}
    assert {
        a.text for g in parse_query("03/04/1961", TODAY, day_first=False).groups for a in g
    } == {"19610304"}


def test_two_digit_years_are_never_in_the_future() -> None:
    assert dob_values("01/02/25") == {"20250201"}
    assert dob_values("01/02/27") == {"19270201"}


def test_impossible_and_future_dates_say_so_and_match_nobody() -> None:
    impossible = parse_query("31/02/1961", TODAY)
    assert impossible.is_empty
    assert "does not exist" in impossible.notes[0]
    future = parse_query("01/01/2030", TODAY)
    assert future.notes
    assert not future.is_empty
    assert not future.matches(index_tokens("A", "B", "DA1", "", date(2030, 1, 1)))


def test_kinds_and_alternatives() -> None:
    assert parse_query("smith", TODAY).kind is QueryKind.NAME
    assert parse_query("DA000042", TODAY).kind is QueryKind.MRN
    assert parse_query("07700 900123", TODAY).kind is QueryKind.PHONE
    assert parse_query("14/07/1961", TODAY).kind is QueryKind.DOB
    assert parse_query("smith 1961", TODAY).kind is QueryKind.MIXED
    assert parse_query("", TODAY).kind is QueryKind.EMPTY
    mrn = parse_query("DA000042", TODAY).groups[0]
    assert Alternative(Column.MRN, "42") in mrn


def test_name_parts_and_joined_forms_are_indexed() -> None:
    tokens = index_tokens("Mary-Jane", "O'Brien", "DA000042", "+44 7700 900123", date(1961, 7, 14))
    assert {"mary", "jane", "maryjane", "o", "brien", "obrien"} <= tokens[Column.NAMES]
    assert tokens[Column.MRN] == {"da000042", "000042", "42"}
    assert "7700900123" in tokens[Column.PHONE]
    assert tokens[Column.DOB] == {BORN}


@pytest.mark.parametrize(
    ("typed", "hit"),
    [
        ("obrien", True),
        ("o'brien mary", True),
        ("o brien", True),
        ("MARY-JANE", True),
        ("brien jane", True),
        ("bryan", False),
        ("da42", True),
        ("42", True),
        ("43", False),
        ("07700 900123", True),
        ("900123", True),
        ("1961", True),
        ("1962", False),
    ],
)
def test_matching_rules(typed: str, hit: bool) -> None:
    tokens = index_tokens("Mary-Jane", "O'Brien", "DA000042", "+44 7700 900123", date(1961, 7, 14))
    assert parse_query(typed, TODAY).matches(tokens) is hit


def test_phone_suffixes_and_matching() -> None:
    assert phone_suffixes("12345") == ["12345"]
    assert phone_suffixes("1234567") == ["1234567", "234567"]
    assert phones_match("+44 7700 900123", "07700 900123")
    assert not phones_match("+44 7700 900123", "+1 555 900123")
    assert not phones_match("", "")
    assert name_key("Zoë O'Brien-Smith") == name_key("zoe obriensmith")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parser_never_raises_and_emits_only_plain_terms(typed: str) -> None:
    query = parse_query(typed, TODAY)
    assert len(query.groups) <= 6
    for group in query.groups:
        for alt in group:
            assert alt.text
            assert '"' not in alt.text
            assert "*" not in alt.text
            assert " " not in alt.text


# --- the service ------------------------------------------------------------------------


@pytest.fixture
def registered(world: World) -> dict[str, PatientId]:
    desk = world.actors[Role.FRONT_DESK]
    people = {
        "Ada": draft(),
        "Charles": draft(
            given_name="Charles",
            family_name="Babbage",
            phone="07700 900123",
            date_of_birth=date(1971, 12, 26),
        ),
        "Annabella": draft(
            given_name="Annabella",
            family_name="Lovelace",
            phone="",
            date_of_birth=date(1952, 5, 17),
        ),
    }
    return {name: world.services.patients.register(desk, d).id for name, d in people.items()}


def test_search_returns_summaries_and_audits_without_the_typed_text(
    world: World, registered: dict[str, PatientId]
) -> None:
    desk = world.actors[Role.FRONT_DESK]
    found = world.services.patients.search(desk, "lovelace")
    assert [s.display_name for s in found] == ["Lovelace, Ada", "Lovelace, Annabella"]
    ada = found[0]
    assert (ada.mrn, ada.date_of_birth, ada.age) == ("DA000001", date(1980, 5, 17), 44)
    event = world.db.audit_events[-1]
    assert (event.action, event.entity_type) == ("view", "patient_search")
    assert event.detail == "kind=name;results=2"
    assert "lovelace" not in repr(event).lower()


def test_search_by_mrn_phone_and_birth_date(world: World, registered: dict[str, PatientId]) -> None:
    desk = world.actors[Role.FRONT_DESK]
    search = world.services.patients.search
    assert [s.id for s in search(desk, "DA000002")] == [registered["Charles"]]
    assert [s.id for s in search(desk, "+44 7700 900123")] == [registered["Charles"]]
    assert [s.id for s in search(desk, "17/05/1952")] == [registered["Annabella"]]
    assert [s.id for s in search(desk, "love 170552")] == [registered["Annabella"]]


def test_empty_or_nonsense_search_returns_nothing_without_touching_the_store(
    world: World, registered: dict[str, PatientId]
) -> None:
    commits = world.db.commits
    for typed in ("", "   ", "*", "😀", "31/02/1961"):
        assert world.services.patients.search(world.actors[Role.FRONT_DESK], typed) == []
    assert world.db.commits == commits


def test_search_limit_is_respected_and_bounded(
    world: World, registered: dict[str, PatientId]
) -> None:
    desk = world.actors[Role.FRONT_DESK]
    assert len(world.services.patients.search(desk, "l", limit=1)) == 1
    assert world.services.patients.search(desk, "l", limit=0) == []


@pytest.mark.parametrize("role", [Role.IT_ADMIN])
def test_it_cannot_search_or_list_patients(
    world: World, registered: dict[str, PatientId], role: Role
) -> None:
    actor = world.actors[role]
    with pytest.raises(PermissionDenied):
        world.services.patients.search(actor, "lovelace")
    with pytest.raises(PermissionDenied):
        world.services.patients.list_ids(actor)
    with pytest.raises(PermissionDenied):
        world.services.patients.summaries(actor, list(registered.values()))
    with pytest.raises(PermissionDenied):
        world.services.patients.find_duplicates(actor, draft())
    assert world.db.events("permission_denied")[-1].user_id == actor.user_id


def test_list_ids_in_name_order_and_summaries_in_requested_order(
    world: World, registered: dict[str, PatientId]
) -> None:
    manager = world.actors[Role.MANAGER]
    ids = world.services.patients.list_ids(manager)
    assert ids == [registered["Charles"], registered["Ada"], registered["Annabella"]]
    assert world.db.audit_events[-1].detail == "count=3"
    rows = world.services.patients.summaries(manager, [ids[2], PatientId("gone"), ids[0]])
    assert [r.id for r in rows] == [ids[2], ids[0]]
    assert world.services.patients.summaries(manager, []) == []
    with pytest.raises(ValidationFailed):
        world.services.patients.summaries(manager, [ids[0]] * 501)


def test_find_duplicates_same_name_and_dob_or_same_phone(
    world: World, registered: dict[str, PatientId]
) -> None:
    desk = world.actors[Role.FRONT_DESK]
    dupes = world.services.patients.find_duplicates
    same = draft(given_name=" ada ", family_name="LOVELACE", phone="")
    assert [d.id for d in dupes(desk, same)] == [registered["Ada"]]
    assert world.db.audit_events[-1].patient_id == registered["Ada"]
    by_phone = draft(given_name="Someone", family_name="Else", phone="+44 7700 900123")
    assert [d.id for d in dupes(desk, by_phone)] == [registered["Charles"]]
    # Editing Ada is not a duplicate of Ada.
    assert dupes(desk, same, exclude=registered["Ada"]) == []
    assert dupes(desk, draft(given_name="", family_name="", phone="")) == []
    different = draft(
        given_name="Ada", family_name="Lovelace", date_of_birth=date(1981, 1, 1), phone=""
    )
    assert dupes(desk, different) == []


def test_age_uses_the_clock(world: World, registered: dict[str, PatientId]) -> None:
    desk = world.actors[Role.FRONT_DESK]
    assert T0.date() == date(2025, 3, 14)
    (ada,) = world.services.patients.search(desk, "ada lovelace")
    assert ada.age == 44  # born 17 May 1980: not yet 45 on 14 March 2025
