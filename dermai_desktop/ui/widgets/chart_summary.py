"""The Summary tab: active problems, allergies, current medications, lesions, last/next visit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.chart_lists import AllergySeverity
from dermai_desktop.domain.lesions import LesionStatus
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.widgets.chart_common import (
    NameBook,
    card,
    card_title,
    clear_layout,
    fmt_date,
    fmt_datetime,
)
from dermai_desktop.ui.widgets.forms import button

MAX_ROWS = 8
SERIOUS = (AllergySeverity.SEVERE, AllergySeverity.LIFE_THREATENING)


def _line(text: str, detail: str = "", object_name: str = "summaryLine") -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 2, 0, 2)
    layout.setSpacing(10)
    main = QLabel(text)
    main.setObjectName(object_name)
    main.setWordWrap(True)
    layout.addWidget(main, 1)
    if detail:
        side = QLabel(detail)
        side.setObjectName("summaryDetail")
        side.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(side)
    row.setAccessibleName(f"{text} {detail}".strip())
    return row


def _empty(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("summaryEmpty")
    label.setWordWrap(True)
    return label


def lesion_detail(lesion: Any) -> str:
    """ "Watch · review 3 mo · 2 images" for a lesion under watch (a ``LesionBrief``)."""
    try:
        status = LesionStatus(lesion.status).label
    except ValueError:  # a status this version does not know: show it as stored
        status = str(lesion.status)
    parts = [status]
    if lesion.follow_up_months:
        parts.append(f"review {lesion.follow_up_months} mo")
    parts.append(f"{lesion.image_count} image{'s' if lesion.image_count != 1 else ''}")
    return " · ".join(parts)


class SummaryPanel(QScrollArea):
    """Read-only overview. ``goto(str)`` asks the screen to show a tab (``problems`` ...).

    Signals:
        goto(str): the key of the tab a card's "Manage" link leads to.
    """

    goto = Signal(str)

    def __init__(self, names: NameBook, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names = names
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAccessibleName("Chart summary")
        body = QWidget()
        body.setObjectName("scrollBody")
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 6, 0)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(16)
        self.lists: dict[str, QVBoxLayout] = {}
        self.cards: dict[str, QFrame] = {}
        specs = (
            ("problems", "Active problems", "chart", 0, 0, "problems"),
            ("allergies", "Allergies", "warning", 0, 1, "allergies"),
            ("medications", "Current medications", "check", 1, 0, "medications"),
            ("visits", "Visits", "calendar", 1, 1, "visits"),
            ("lesions", "Lesions under watch", "clock", 2, 0, "lesions"),
            ("notes", "Recent notes", "template", 2, 1, "visits"),
        )
        for key, title, icon, r, c, target in specs:
            frame, layout = card()
            head = QHBoxLayout()
            head.addWidget(card_title(title, icon), 1)
            if target:
                link = button("Open", f"Open {title.lower()}", role="link")
                link.clicked.connect(lambda _=False, t=target: emit(self.goto, t))
                head.addWidget(link)
            layout.addLayout(head)
            rows = QVBoxLayout()
            rows.setSpacing(2)
            layout.addLayout(rows)
            layout.addStretch(1)
            frame.setAccessibleName(title)
            self.lists[key] = rows
            self.cards[key] = frame
            grid.addWidget(frame, r, c)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(3, 1)
        self.setWidget(body)

    def show_summary(
        self,
        summary: Any | None,
        notes: Sequence[Any],
        encounters: Sequence[Any],
    ) -> None:
        """Fill every card; ``summary`` is the service's ChartSummary (None: lists unavailable)."""
        problems = summary.active_problems if summary else ()
        allergies = summary.allergies if summary else ()
        medications = summary.current_medications if summary else ()
        lesions = summary.lesions_under_watch if summary else ()

        self._fill(
            "problems",
            [
                _line(
                    p.label + (f"  ({p.code})" if p.code else ""),
                    f"since {fmt_date(p.onset)}" if p.onset else "",
                )
                for p in problems
            ],
            "No active problems recorded.",
        )
        allergy_rows = []
        for a in allergies:
            text = a.substance + (f" · {a.reaction}" if a.reaction else "")
            row = _line(
                text, a.severity.label, "summaryAlert" if a.severity in SERIOUS else "summaryLine"
            )
            if a.reaction:
                row.setToolTip(a.reaction)
            allergy_rows.append(row)
        self._fill("allergies", allergy_rows, "No known allergies recorded.")
        self._fill(
            "medications",
            [
                _line(m.name, " · ".join(x for x in (m.dose, m.route, m.frequency) if x))
                for m in medications
            ],
            "No current medications.",
        )
        lesion_rows = [
            _line(f"{lesion.label} — {lesion.body_site}", lesion_detail(lesion))
            for lesion in lesions
        ]
        self._fill(
            "lesions",
            lesion_rows,
            "No lesions under watch. Lesions marked on the body map appear here.",
        )
        visit_rows = []
        last = summary.last_visit if summary else None
        nxt = summary.next_visit if summary else None
        if last is None and encounters:
            visit_rows.append(
                _line(f"Last: {fmt_date(encounters[0].started_at)}", encounters[0].reason)
            )
        elif last is not None:
            visit_rows.append(_line(f"Last: {fmt_date(last.at)}", _readable_kind(last.kind)))
        if nxt is not None:
            visit_rows.append(
                _line(f"Next: {fmt_datetime(nxt.at)}", _readable_kind(nxt.kind), "summaryNext")
            )
        else:
            visit_rows.append(_line("Next: none booked", ""))
        self._fill("visits", visit_rows, "")
        note_rows = []
        for note in list(notes)[:4]:
            state = "signed" if note.is_signed else "draft"
            when = fmt_date(note.signed_at or note.updated_at)
            first = next(
                (s for s in (note.assessment, note.subjective, note.plan) if s.strip()), ""
            )
            text = " ".join(first.split())[:90] or "(empty)"
            row = _line(f"{when} · {text}", state)
            note_rows.append(row)
        self._fill("notes", note_rows, "No notes yet.")

    def _fill(self, key: str, rows: list[QWidget], empty_text: str) -> None:
        layout = self.lists[key]
        clear_layout(layout)
        for row in rows[:MAX_ROWS]:
            layout.addWidget(row)
        if len(rows) > MAX_ROWS:
            layout.addWidget(_empty(f"… and {len(rows) - MAX_ROWS} more"))
        if not rows and empty_text:
            layout.addWidget(_empty(empty_text))

    def count(self, key: str) -> int:
        """How many real rows (not the empty-state line) a card shows."""
        layout = self.lists[key]
        found = 0
        for i in range(layout.count()):
            item = layout.itemAt(i)
            widget = item.widget() if item is not None else None
            if widget is not None and widget.objectName() != "summaryEmpty":
                found += 1
        return found


def _readable_kind(kind: str) -> str:
    """Appointment type codes ("full_skin_check") read as words; encounter reasons pass."""
    if kind and kind.islower() and " " not in kind:
        return kind.replace("_", " ").capitalize()
    return kind
