"""The chart banner: who this patient is, at a glance, with the allergy badge always in view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from dermai_desktop.domain.patients import Patient, Sex
from dermai_desktop.ui import theme
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.widgets.chart_common import chip, clear_layout, fmt_date, set_kind
from dermai_desktop.ui.widgets.forms import button

SEX_LABELS = {Sex.FEMALE: "Female", Sex.MALE: "Male", Sex.INTERSEX: "Intersex", Sex.UNKNOWN: "—"}


def initials(patient: Patient) -> str:
    letters = [patient.given_name[:1], patient.family_name[:1]]
    return "".join(letters).upper() or "?"


class ChartBanner(QFrame):
    """Name, age, sex, MRN, Fitzpatrick type, allergy badge and flags.

    Signals:
        book_follow_up_clicked(): the "Book follow-up" button.
        close_clicked(): the "Close chart" button.
    """

    book_follow_up_clicked = Signal()
    close_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:  # noqa: PLR0915 - one widget's layout, read top to bottom
        super().__init__(parent)
        self.setObjectName("chartBanner")
        self.setAccessibleName("Patient banner")
        outer = QHBoxLayout(self)
        outer.setContentsMargins(20, 14, 16, 14)
        outer.setSpacing(16)

        self.avatar = QLabel("?")
        self.avatar.setObjectName("avatar")
        self.avatar.setFixedSize(52, 52)
        self.avatar.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.avatar.setAccessibleName("Patient initials")
        outer.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignVCenter)

        text = QVBoxLayout()
        text.setSpacing(3)
        name_row = QHBoxLayout()
        name_row.setSpacing(10)
        self.name_label = QLabel("")
        self.name_label.setObjectName("bannerName")
        self.name_label.setAccessibleName("Patient name")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.name_label.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        name_row.addWidget(self.name_label)
        self.allergy_badge = QLabel("")
        self.allergy_badge.setObjectName("allergyBadge")
        self.allergy_badge.setProperty("kind", "unknown")
        self.allergy_badge.setAccessibleName("Allergies")
        name_row.addWidget(self.allergy_badge, 0, Qt.AlignmentFlag.AlignVCenter)
        name_row.addStretch(1)
        text.addLayout(name_row)
        facts_row = QHBoxLayout()
        facts_row.setSpacing(14)
        self.facts_label = QLabel("")
        self.facts_label.setObjectName("bannerFacts")
        self.facts_label.setAccessibleName("Age, sex, MRN and skin type")
        self.facts_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        facts_row.addWidget(self.facts_label)
        facts_row.addStretch(1)
        text.addLayout(facts_row)
        # Flags get their own line: a long name or MRN must never be cut to fit them.
        self.flags_row = QHBoxLayout()
        self.flags_row.setSpacing(6)
        self.flags_row.setContentsMargins(0, 3, 0, 0)
        text.addLayout(self.flags_row)
        outer.addLayout(text, 1)

        self.book_button = button("Book follow-up", "Book a follow-up appointment")
        self.book_button.setIcon(theme.icon("calendar"))
        self.close_button = button("Close chart", "Close this chart")
        self.book_button.clicked.connect(lambda: emit(self.book_follow_up_clicked))
        self.close_button.clicked.connect(lambda: emit(self.close_clicked))
        outer.addWidget(self.book_button, 0, Qt.AlignmentFlag.AlignVCenter)
        outer.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.allergy_badge.hide()

    def set_patient(self, patient: Patient, today: date) -> None:
        self.avatar.setText(initials(patient))
        name = f"{patient.family_name.upper()}, {patient.given_name}"
        self.name_label.setText(name)
        self.name_label.setToolTip(name)
        facts = [
            f"{patient.age_on(today)} y",
            SEX_LABELS.get(patient.sex, "—"),
            f"Born {fmt_date(patient.date_of_birth)}",
            f"MRN {patient.mrn}",
            f"Fitzpatrick {patient.fitzpatrick.roman}" if patient.fitzpatrick else "Fitzpatrick —",
        ]
        self.facts_label.setText("  ·  ".join(facts))
        clear_layout(self.flags_row)
        for flag in patient.flags:
            self.flags_row.addWidget(chip(flag, "flag", f"Flag: {flag}"))
        if patient.flags:
            self.flags_row.addStretch(1)

    def set_allergies(self, allergies: Sequence[str] | None) -> None:
        """``None``: not known to this session (no clinical access); ``[]``: none recorded."""
        if allergies is None:
            self.allergy_badge.hide()
            return
        if allergies:
            shown = ", ".join(allergies[:3]) + (
                f" +{len(allergies) - 3}" if len(allergies) > 3 else ""
            )
            text = f"⚠  ALLERGIES: {shown}"
            kind = "alert"
            self.allergy_badge.setAccessibleDescription("Allergies: " + ", ".join(allergies))
        else:
            text = "No known allergies"
            kind = "none"
            self.allergy_badge.setAccessibleDescription("No known allergies recorded")
        self.allergy_badge.setText(text)
        self.allergy_badge.setToolTip("\n".join(allergies) if allergies else text)
        set_kind(self.allergy_badge, kind)
        self.allergy_badge.show()

    @property
    def allergy_kind(self) -> str:
        return str(self.allergy_badge.property("kind"))
