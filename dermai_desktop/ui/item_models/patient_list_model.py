"""A lazy table of patients: holds ids, fetches rows in pages off the GUI thread.

Like Anki's browser: the full register (100,000 patients) is a list of ids in
display order; a row's details are fetched the first time a view asks for it,
a page of ``PAGE_SIZE`` at a time, through a ``fetch`` callable the screen
runs on the task runner's database thread. Until a page arrives its rows show
"Loading…". A bounded cache keeps memory flat however far the user scrolls.
Search results (at most a few hundred) are set whole with ``set_rows``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.patients import Sex
from dermai_desktop.services.dto import PatientSummary
from dermai_desktop.ui.signals import emit

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
PATIENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1  # str patient id (known for every row)
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 2  # PatientSummary, or None while loading
PAGE_SIZE = 200
MAX_CACHED_PAGES = 60  # 12,000 rows in memory at most
LOADING = "Loading…"

SEX_LABELS = {Sex.FEMALE: "Female", Sex.MALE: "Male", Sex.INTERSEX: "Intersex", Sex.UNKNOWN: "—"}

#: (ids of one page) -> run the fetch off-thread, then call back with the rows.
PageLoader = Callable[[list[PatientId], Callable[[list[PatientSummary]], None]], None]


def format_dob(value: date, age: int) -> str:
    return f"{value.strftime('%d %b %Y')} ({age})"


class PatientListModel(QAbstractTableModel):
    """Columns: name, date of birth (age), sex, MRN, phone.

    Signals:
        page_loaded(int): a page of rows arrived (its number).
    """

    HEADERS = ("Name", "Date of birth (age)", "Sex", "MRN", "Phone")
    page_loaded = Signal(int)

    def __init__(self, loader: PageLoader | None = None, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._loader = loader
        self._ids: list[PatientId] = []
        self._pages: OrderedDict[int, dict[PatientId, PatientSummary]] = OrderedDict()
        self._pending: set[int] = set()
        # Bumped on every reset: a page that arrives for an older list is dropped.
        self._generation = 0

    # --- filling -------------------------------------------------------------------------

    def set_ids(self, ids: Sequence[PatientId]) -> None:
        """Show ``ids`` (the whole register, in order); rows load as they are looked at."""
        self.beginResetModel()
        self._generation += 1
        self._ids = list(ids)
        self._pages.clear()
        self._pending.clear()
        self.endResetModel()

    def set_rows(self, rows: Sequence[PatientSummary]) -> None:
        """Show exactly these rows (search results), nothing left to load."""
        self.beginResetModel()
        self._generation += 1
        self._ids = [row.id for row in rows]
        self._pages.clear()
        self._pending.clear()
        for start in range(0, len(rows), PAGE_SIZE):
            self._pages[start // PAGE_SIZE] = {r.id: r for r in rows[start : start + PAGE_SIZE]}
        self.endResetModel()

    def clear(self) -> None:
        self.set_ids([])

    # --- reading -------------------------------------------------------------------------

    def patient_id(self, row: int) -> PatientId | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def summary(self, row: int) -> PatientSummary | None:
        """The row's details if loaded (asks for its page if not)."""
        patient_id = self.patient_id(row)
        if patient_id is None:
            return None
        page = self._page(row // PAGE_SIZE)
        return page.get(patient_id) if page is not None else None

    def row_of(self, patient_id: str) -> int:
        try:
            return self._ids.index(PatientId(patient_id))
        except ValueError:
            return -1

    @property
    def loaded_pages(self) -> int:
        return len(self._pages)

    def _page(self, number: int) -> dict[PatientId, PatientSummary] | None:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        self._request(number)
        return self._pages.get(number)  # a loader may answer at once (cache, tests)

    def _request(self, number: int) -> None:
        if number in self._pending or self._loader is None:
            return
        ids = self._ids[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
        if not ids:
            return
        self._pending.add(number)
        generation = self._generation
        self._loader(ids, lambda rows: self._arrived(generation, number, rows))

    def _arrived(self, generation: int, number: int, rows: list[PatientSummary]) -> None:
        if generation != self._generation:
            return  # the list changed while this page was on its way
        self._pending.discard(number)
        self._pages[number] = {row.id: row for row in rows}
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)
        first = number * PAGE_SIZE
        last = min(first + PAGE_SIZE, len(self._ids)) - 1
        if last >= first:
            emit(
                self.dataChanged,
                self.index(first, 0),
                self.index(last, len(self.HEADERS) - 1),
                [],
            )
        emit(self.page_loaded, number)

    def page_failed(self, ids: Sequence[PatientId]) -> None:
        """A page could not be fetched: forget it was asked for so a repaint retries."""
        if ids:
            row = self.row_of(ids[0])
            if row >= 0:
                self._pending.discard(row // PAGE_SIZE)

    # --- Qt model API --------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:  # noqa: PLR0911
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        row, column = index.row(), index.column()
        if role == PATIENT_ID_ROLE:
            return self._ids[row]
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.ForegroundRole,
            SUMMARY_ROLE,
        ):
            return None
        summary = self.summary(row)
        if role == SUMMARY_ROLE:
            return summary
        if role == Qt.ItemDataRole.ForegroundRole:
            return None
        if summary is None:
            return LOADING if column == 0 and role != Qt.ItemDataRole.ToolTipRole else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return None if column != 0 else f"{summary.display_name} · {summary.mrn}"
        values = (
            summary.display_name,
            format_dob(summary.date_of_birth, summary.age),
            SEX_LABELS.get(summary.sex, "—"),
            summary.mrn,
            summary.phone or "—",
        )
        return values[column]

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
