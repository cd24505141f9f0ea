"""Patient search: what the front desk types, understood; and who counts as a duplicate.

Pure functions only. ``parse_query`` turns free text ("smith 14/07/61", "DA000042",
"07700 900123", "o'brien mary") into groups of alternatives over four indexed
columns; the storage adapter renders them as an FTS5 expression (every term quoted,
so user text never reaches ``MATCH`` as syntax) and the test fake evaluates them
with ``PatientQuery.matches`` over ``index_tokens`` - the same tokens the SQL
triggers of migration 0003 write. Keep the two in step.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

#: Longer input is cut: no real query needs more, and the parser stays linear.
MAX_QUERY_CHARS = 120
#: At most this many term groups reach the index (ANDed); extra words are ignored.
MAX_GROUPS = 6
#: A name term longer than this is cut (prefix search still finds the patient).
MAX_TERM_CHARS = 40
#: A phone search needs this many digits; shorter digit strings only match MRNs.
MIN_PHONE_DIGITS = 5
#: The phone index holds every suffix at least this long ("last digits" searches).
MIN_PHONE_SUFFIX = 6
EARLIEST_YEAR = 1900


class Column(StrEnum):
    """The indexed columns of the search index (names match migration 0003)."""

    NAMES = "names"
    MRN = "mrn"
    PHONE = "phone"
    DOB = "dob"


class QueryKind(StrEnum):
    """What a query mostly looks like (for the audit detail and the benchmark)."""

    EMPTY = "empty"
    NAME = "name"
    MRN = "mrn"
    PHONE = "phone"
    DOB = "dob"
    MIXED = "mixed"


@dataclass(frozen=True, slots=True)
class Alternative:
    """One way a typed word can match: ``text`` in ``column``, whole token or prefix."""

    column: Column
    text: str
    prefix: bool = False

    def matches(self, tokens: frozenset[str]) -> bool:
        if self.prefix:
            return any(token.startswith(self.text) for token in tokens)
        return self.text in tokens


@dataclass(frozen=True, slots=True)
class PatientQuery:
    """Groups ANDed together; within a group any alternative may match."""

    groups: tuple[tuple[Alternative, ...], ...] = ()
    kind: QueryKind = QueryKind.EMPTY
    #: Plain-language remarks for the search box ("31/02/1961 is not a real date").
    notes: tuple[str, ...] = ()
    #: Exact identifiers typed (MRN number, phone key, DOB) - exact hits rank first.
    exact: frozenset[tuple[Column, str]] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def matches(self, tokens: dict[Column, frozenset[str]]) -> bool:
        """Whether a patient with these index tokens is a hit (the fake's search)."""
        if not self.groups:
            return False
        return all(
            any(alt.matches(tokens.get(alt.column, frozenset())) for alt in group)
            for group in self.groups
        )


# --- normalising -----------------------------------------------------------------------

_WORD_CATEGORIES = ("L", "N", "M")
_JOINERS = "'\u2019\u02bc-\u2010\u2011"  # apostrophes and hyphens inside names


def fold(text: str) -> str:
    """Case- and accent-insensitive form (what FTS5 ``remove_diacritics 2`` compares)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped).casefold()


def words(text: str) -> list[str]:
    """Split like the FTS5 tokenizer: runs of letters, digits and marks, folded."""
    out: list[str] = []
    current: list[str] = []
    for ch in fold(text):
        if unicodedata.category(ch)[0] in _WORD_CATEGORIES:
            current.append(ch)
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out


def joined(text: str) -> str:
    """``O'Brien`` -> ``OBrien``, ``Mary-Jane`` -> ``MaryJane`` (indexed as extra tokens)."""
    return "".join(ch for ch in text if ch not in _JOINERS)


def phone_digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())


def phone_suffixes(digits: str) -> list[str]:
    """Every suffix of at least ``MIN_PHONE_SUFFIX`` digits (the number itself first).

    "+44 7700 900123" is found by "07700 900123" (national form) and "900123"
    (last digits) because both, minus leading zeros, start one of these.
    """
    if len(digits) < MIN_PHONE_SUFFIX:
        return [digits] if digits else []
    return [digits[i:] for i in range(len(digits) - MIN_PHONE_SUFFIX + 1)]


def mrn_tokens(mrn: str) -> list[str]:
    """``DA000042`` -> ``da000042``, ``000042``, ``42``: typed with or without prefix/zeros."""
    lowered = mrn.casefold()
    number = lowered.lstrip("abcdefghijklmnopqrstuvwxyz-/ ")
    tokens = [lowered]
    if number and number != lowered:
        tokens.append(number)
    stripped = number.lstrip("0")
    if stripped and stripped != number:
        tokens.append(stripped)
    return tokens


def index_tokens(
    given_name: str, family_name: str, mrn: str, phone: str, date_of_birth: date
) -> dict[Column, frozenset[str]]:
    """The tokens the search index holds for one patient (mirrors the 0003 triggers)."""
    names = f"{given_name} {family_name}"
    name_tokens = set(words(names)) | set(words(joined(names)))
    return {
        Column.NAMES: frozenset(name_tokens),
        Column.MRN: frozenset(words(" ".join(mrn_tokens(mrn)))),
        Column.PHONE: frozenset(phone_suffixes(phone_digits(phone))),
        Column.DOB: frozenset({date_of_birth.strftime("%Y%m%d")}),
    }


# --- duplicates ------------------------------------------------------------------------


def name_key(text: str) -> str:
    """Compare names ignoring case, accents, spaces, hyphens and apostrophes."""
    return "".join(words(text))


def phones_match(a: str, b: str) -> bool:
    """Same number, allowing a country code or trunk zero on one side.

    "+44 7700 900123" and "07700 900123" match; two numbers that only share
    their last few digits do not (the shorter must keep 9 or more digits).
    """
    da, db = phone_digits(a).lstrip("0"), phone_digits(b).lstrip("0")
    if not da or not db:
        return False
    if da == db:
        return True
    short, long_ = sorted((da, db), key=len)
    return len(short) >= 9 and long_.endswith(short)


# --- dates -----------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?!\d)")
_DAY_MONTH_NAME = re.compile(
    rf"(?<![\w])(\d{{1,2}})(?:st|nd|rd|th)?[\s\-/.]*({_MONTH_RE})\.?[\s\-/.,]*(\d{{4}}|\d{{2}})(?!\d)",
    re.IGNORECASE,
)
_MONTH_NAME_DAY = re.compile(
    rf"(?<![\w])({_MONTH_RE})\.?[\s\-/.]*(\d{{1,2}})(?:st|nd|rd|th)?[\s,\-/.]+(\d{{4}}|\d{{2}})(?!\d)",
    re.IGNORECASE,
)
_PHONE_LIKE = re.compile(r"\+?\(?\d[\d\s().\-/]*\d\)?")
_NOT_A_DATE = "That date does not exist; check the day and the month."


def _year(text: str, today: date) -> int:
    year = int(text)
    if len(text) == 2:
        # A birth date is never in the future: "61" is 1961, "19" is 2019 (in 2026).
        year += 2000 if 2000 + year <= today.year else 1900
    return year


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _plausible(value: date | None, today: date) -> bool:
    return value is not None and value.year >= EARLIEST_YEAR and value <= today


def _numeric_dates(first: int, second: int, year: int, day_first: bool) -> list[date]:
    """Day-first (or month-first) reading; the other only when the first is impossible."""
    orders = [(first, second), (second, first)] if day_first else [(second, first), (first, second)]
    for day, month in orders:
        value = _make_date(year, month, day)
        if value is not None:
            return [value]
    return []


def _compact_dates(digits: str, today: date, day_first: bool) -> list[date]:
    """``140761`` / ``14071961`` / ``19610714`` read as a date of birth, if they can be."""
    found: list[date] = []
    if len(digits) == 8:
        iso = _make_date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        found += [iso] if iso is not None else []
        found += _numeric_dates(int(digits[:2]), int(digits[2:4]), int(digits[4:]), day_first)
    elif len(digits) == 6:
        year = _year(digits[4:], today)
        found += _numeric_dates(int(digits[:2]), int(digits[2:4]), year, day_first)
    return [d for d in dict.fromkeys(found) if _plausible(d, today)]


def parse_birth_date(text: str, today: date, *, day_first: bool = True) -> date | None:
    """A date of birth typed in a form field, in any format the search box understands.

    Returns None when the text is not a date at all or names a day that does
    not exist; plausibility (not in the future, not before 1900) is the
    validator's business, so a typo can be explained rather than ignored.
    """
    cleaned = unicodedata.normalize("NFKC", text).strip()[:40]
    if not cleaned:
        return None
    patterns: tuple[tuple[re.Pattern[str], int, int, int, bool], ...] = (
        (_ISO, 1, 2, 3, False),
        (_DAY_MONTH_NAME, 3, 2, 1, True),
        (_MONTH_NAME_DAY, 3, 1, 2, True),
    )
    for pattern, y, m, d, named in patterns:
        match = pattern.fullmatch(cleaned)
        if match is not None:
            month = _MONTHS[match[m].lower()] if named else int(match[m])
            return _make_date(_year(match[y], today), month, int(match[d]))
    match = _NUMERIC.fullmatch(cleaned)
    if match is not None:
        found = _numeric_dates(int(match[1]), int(match[2]), _year(match[3], today), day_first)
        return found[0] if found else None
    digits = re.sub(r"\s+", "", cleaned)
    if digits.isascii() and digits.isdigit() and len(digits) in (6, 8):
        if len(digits) == 8 and digits[:2] in ("19", "20"):
            iso = _make_date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
            if iso is not None:
                return iso
        year = _year(digits[4:], today)
        found = _numeric_dates(int(digits[:2]), int(digits[2:4]), year, day_first)
        return found[0] if found else None
    return None


# --- parsing ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Builder:
    today: date
    day_first: bool
    groups: list[tuple[Alternative, ...]] = field(default_factory=list)
    kinds: set[QueryKind] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    exact: set[tuple[Column, str]] = field(default_factory=set)

    def add(self, kind: QueryKind, *alternatives: Alternative) -> None:
        unique = tuple(dict.fromkeys(alternatives))
        if unique and len(self.groups) < MAX_GROUPS and unique not in self.groups:
            self.groups.append(unique)
            self.kinds.add(kind)

    def add_date(self, value: date | None) -> None:
        if value is None:
            self.note(_NOT_A_DATE)
        elif not _plausible(value, self.today):
            self.note("No one in the register can be born on that date.")
            self.groups.append((Alternative(Column.DOB, "00000000"),))  # matches nobody
            self.kinds.add(QueryKind.DOB)
        else:
            text = value.strftime("%Y%m%d")
            self.exact.add((Column.DOB, text))
            self.add(QueryKind.DOB, Alternative(Column.DOB, text))

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def add_digits(self, digits: str, *, international: bool = False) -> None:
        alternatives: list[Alternative] = []
        dates = _compact_dates(digits, self.today, self.day_first)
        alternatives += [Alternative(Column.DOB, d.strftime("%Y%m%d")) for d in dates]
        if len(digits) == 4 and EARLIEST_YEAR <= int(digits) <= self.today.year:
            alternatives.append(Alternative(Column.DOB, digits, prefix=True))
        number = digits.lstrip("0") or "0"
        alternatives.append(Alternative(Column.MRN, number, prefix=True))
        self.exact.add((Column.MRN, number))
        if len(number) >= MIN_PHONE_DIGITS:
            alternatives.append(Alternative(Column.PHONE, number, prefix=True))
            self.exact.add((Column.PHONE, number))
        if international:
            # "+44 7700 900123" also finds "07700 900123": drop a 1-3 digit country
            # code, keeping 9 digits or more so different numbers stay apart.
            national = number[2:] if number.startswith("00") else number
            for cut in (1, 2, 3):
                rest = national[cut:].lstrip("0")
                if len(rest) >= 9:
                    alternatives.append(Alternative(Column.PHONE, rest, prefix=True))
                    self.exact.add((Column.PHONE, rest))
        for d in dates:
            self.exact.add((Column.DOB, d.strftime("%Y%m%d")))
        kind = QueryKind.DOB if dates and len(digits) in (6, 8) else QueryKind.MRN
        if len(number) >= 9:
            kind = QueryKind.PHONE
        self.add(kind, *alternatives)

    def add_word(self, raw: str) -> None:
        parts = words(raw)
        if not parts:
            return
        if len(parts) == 1 and parts[0].isascii() and parts[0].isdigit():
            self.add_digits(parts[0], international=raw.lstrip().startswith(("+", "00")))
            return
        match = re.fullmatch(r"([a-z]+)[-/]?(\d+)", "".join(parts))
        if match is not None:  # "DA000042", "da42", "DA-42": a medical record number
            number = match.group(2).lstrip("0") or "0"
            self.exact.add((Column.MRN, number))
            self.add(
                QueryKind.MRN,
                Alternative(Column.MRN, "".join(parts), prefix=True),
                Alternative(Column.MRN, number),
            )
            return
        for part in parts:  # "o'brien" -> o AND brien*, which also finds "O Brien"
            self.add(QueryKind.NAME, Alternative(Column.NAMES, part[:MAX_TERM_CHARS], prefix=True))


def parse_query(text: str, today: date, *, day_first: bool = True) -> PatientQuery:
    """Understand what was typed in the patient search box.

    ``day_first``: how an ambiguous ``03/04/1961`` is read (3 April in most of
    the world); an impossible reading (``07/14/1961``) falls back to the other.
    Never raises: nonsense gives an empty query or one that matches nobody.
    """
    cleaned = unicodedata.normalize("NFKC", text)[:MAX_QUERY_CHARS]
    cleaned = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in cleaned)
    builder = _Builder(today, day_first)

    def take(pattern: re.Pattern[str], to_date: object) -> None:
        nonlocal cleaned
        for match in list(pattern.finditer(cleaned)):
            builder.add_date(to_date(match))  # type: ignore[operator]
        cleaned = pattern.sub(" ", cleaned)

    take(_ISO, lambda m: _make_date(int(m[1]), int(m[2]), int(m[3])))
    take(
        _DAY_MONTH_NAME,
        lambda m: _make_date(_year(m[3], today), _MONTHS[m[2].lower()], int(m[1])),
    )
    take(
        _MONTH_NAME_DAY,
        lambda m: _make_date(_year(m[3], today), _MONTHS[m[1].lower()], int(m[2])),
    )
    for match in list(_NUMERIC.finditer(cleaned)):
        found = _numeric_dates(int(match[1]), int(match[2]), _year(match[3], today), day_first)
        builder.add_date(found[0] if found else None)
    cleaned = _NUMERIC.sub(" ", cleaned)

    stripped = cleaned.strip()
    if _PHONE_LIKE.fullmatch(stripped) and re.search(r"[\s().\-/]", stripped):
        # "07700 900123", "(020) 7946-0958": one number typed with separators.
        builder.add_digits(phone_digits(stripped), international=stripped.startswith(("+", "00")))
    else:
        for raw in re.split(r"[\s,;]+", cleaned):
            if raw:
                builder.add_word(raw)

    kinds = builder.kinds
    kind = (
        QueryKind.EMPTY
        if not builder.groups
        else (next(iter(kinds)) if len(kinds) == 1 else QueryKind.MIXED)
    )
    return PatientQuery(
        groups=tuple(builder.groups),
        kind=kind,
        notes=tuple(builder.notes),
        exact=frozenset(builder.exact),
    )


__all__ = [
    "Alternative",
    "Column",
    "PatientQuery",
    "QueryKind",
    "fold",
    "index_tokens",
    "mrn_tokens",
    "name_key",
    "parse_birth_date",
    "parse_query",
    "phone_digits",
    "phone_suffixes",
    "phones_match",
    "words",
]
