"""The bundled dermatology ICD-10 subset, searchable by code and by words in the title.

Public reference data (no patient data, no permission needed to search it):
loaded once from ``resources/icd10/dermatology.csv`` and searched in memory,
which takes microseconds for a few hundred codes.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import dermai_desktop
from dermai_desktop.domain.chart_lists import Diagnosis, normalise_code

DEFAULT_LIMIT = 50
#: Longer input than this cannot match anything useful; cut it rather than scan it.
MAX_QUERY = 200


def resources_dir() -> Path:
    """``resources/`` beside the package (checkout) or inside it (installed data)."""
    package = Path(dermai_desktop.__file__).resolve().parent
    for candidate in (package.parent / "resources", package / "resources"):
        if candidate.is_dir():
            return candidate
    return package.parent / "resources"  # pragma: no cover - broken installation


def _fold(text: str) -> str:
    """Case- and accent-insensitive form: ``Naevus`` and ``nævus``-style typing meet."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    folded = _fold(text)
    return "".join(ch if ch.isalnum() else " " for ch in folded).split()


class DiagnosisCatalog:
    """A read-only list of ICD-10 codes and titles with a ranked search."""

    def __init__(self, entries: Iterable[Diagnosis]) -> None:
        self._entries: list[Diagnosis] = []
        self._by_code: dict[str, Diagnosis] = {}
        for entry in entries:
            if entry.code in self._by_code:
                raise ValueError(f"duplicate ICD-10 code in catalogue: {entry.code}")
            self._entries.append(entry)
            self._by_code[entry.code] = entry
        self._entries.sort(key=lambda d: d.code)
        self._index = [(d, d.code.replace(".", ""), _words(d.title)) for d in self._entries]

    @classmethod
    def from_csv(cls, path: Path) -> DiagnosisCatalog:
        """Read ``code,title,chapter`` rows (header line required)."""
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        return cls(
            Diagnosis(
                code=(normalise_code(row["code"]) or ""),
                title=row["title"].strip(),
                chapter=(row.get("chapter") or "").strip(),
            )
            for row in rows
            if (row.get("code") or "").strip()
        )

    @staticmethod
    @cache
    def bundled() -> DiagnosisCatalog:
        """The catalogue shipped with the application (read once per process)."""
        return DiagnosisCatalog.from_csv(resources_dir() / "icd10" / "dermatology.csv")

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and normalise_code(code) in self._by_code

    def all(self) -> Sequence[Diagnosis]:
        return tuple(self._entries)

    def get(self, code: str) -> Diagnosis | None:
        normal = normalise_code(code)
        return self._by_code.get(normal) if normal else None

    def search(self, text: str, limit: int = DEFAULT_LIMIT) -> list[Diagnosis]:
        """Codes and titles matching ``text``, best first.

        ``L40``, ``l40.0``, ``L400`` match by code prefix; words match by prefix in
        any order (``plaque psor``, ``melanoma trunk``); an empty query lists
        nothing. The text is only compared, never interpreted, so any input is safe.
        """
        text = text[:MAX_QUERY]
        query_words = _words(text)
        if not query_words or limit <= 0:
            return []
        compact = "".join(query_words).upper()
        scored: list[tuple[int, int, str, Diagnosis]] = []
        for diagnosis, code_key, title_words in self._index:
            score = self._score(compact, query_words, diagnosis, code_key, title_words)
            if score is not None:
                scored.append((score, len(diagnosis.code), diagnosis.code, diagnosis))
        scored.sort(key=lambda s: s[:3])
        return [s[3] for s in scored[:limit]]

    @staticmethod
    def _score(
        compact: str,
        query_words: list[str],
        diagnosis: Diagnosis,
        code_key: str,
        title_words: list[str],
    ) -> int | None:
        # Lower is better: exact code, code prefix, whole-word title match, prefix match.
        if len(query_words) == 1 or (compact[:1].isalpha() and compact[1:3].isdigit()):
            if code_key == compact:
                return 0
            if code_key.startswith(compact) and compact[:1].isalpha() and len(compact) >= 2:
                return 1
        if all(any(w.startswith(q) for w in title_words) for q in query_words):
            exact = all(q in title_words for q in query_words)
            return 2 if exact else 3
        return None


__all__ = ["DEFAULT_LIMIT", "DiagnosisCatalog", "resources_dir"]
