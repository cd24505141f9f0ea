"""The lesion form: label, site (filled from the body map, editable), date, status, notes.

The form only gathers a ``LesionDraft``; the panel saves it off the GUI thread.
The site follows the map until the user writes their own: after that a marker
move only offers the map's suggestion ("Use: Left shin") instead of
overwriting what they typed.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.body_map import site_at
from dermai_desktop.domain.lesions import (
    MAX_FOLLOW_UP_MONTHS,
    BodyPoint,
    Lesion,
    LesionDraft,
    LesionStatus,
)
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.widgets.forms import button


class LesionForm(QWidget):
    """Edit one lesion (or a new one placed on the map).

    Signals:
        save_requested(object): a LesionDraft; ``lesion`` says which one (None: new).
        cancelled(): the user dropped the new lesion or their edits.
        pathology_requested(): enter the biopsy result of the shown lesion.
    """

    save_requested = Signal(object)
    cancelled = Signal()
    pathology_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:  # noqa: PLR0915 - one form
        super().__init__(parent)
        self.setObjectName("lesionForm")
        self.lesion: Lesion | None = None
        self.position: BodyPoint | None = None
        self._suggested = ""  # the last site the map suggested
        self._own_site = False  # the user wrote the site themselves

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        self.heading = QLabel("Lesion")
        self.heading.setObjectName("cardTitle")
        outer.addWidget(self.heading)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        self.label = QLineEdit()
        self.label.setAccessibleName("Lesion label")
        self.label.setPlaceholderText("L1, or “mole left shoulder”")
        form.addRow("&Label", self.label)
        self.site = QLineEdit()
        self.site.setAccessibleName("Anatomical site")
        self.site.setPlaceholderText("Filled in from the body map")
        self.site.textEdited.connect(self._site_typed)
        self.use_suggestion = button("", "Use the site suggested by the body map", role="link")
        self.use_suggestion.hide()
        self.use_suggestion.clicked.connect(self._take_suggestion)
        site_box = QWidget()
        site_row = QVBoxLayout(site_box)
        site_row.setContentsMargins(0, 0, 0, 0)
        site_row.setSpacing(0)
        site_row.addWidget(self.site)
        site_row.addWidget(self.use_suggestion, 0, Qt.AlignmentFlag.AlignLeft)
        site_label = QLabel("&Site")
        site_label.setBuddy(self.site)  # a row holding a layout gets no mnemonic by itself
        form.addRow(site_label, site_box)
        self.first_noted = QDateEdit()
        self.first_noted.setCalendarPopup(True)
        self.first_noted.setDisplayFormat("d MMM yyyy")
        self.first_noted.setAccessibleName("First noted")
        form.addRow("&First noted", self.first_noted)
        self.status_box = QComboBox()
        self.status_box.setAccessibleName("Status")
        for status in LesionStatus:
            self.status_box.addItem(status.label, status.value)
        form.addRow("S&tatus", self.status_box)
        self.follow_up = QSpinBox()
        self.follow_up.setAccessibleName("Follow-up interval in months")
        self.follow_up.setRange(0, MAX_FOLLOW_UP_MONTHS)
        self.follow_up.setSpecialValueText("No recall")
        self.follow_up.setSuffix(" months")
        self.follow_up.setToolTip("Saving with an interval books a recall in the schedule.")
        form.addRow("F&ollow-up", self.follow_up)
        self.impression = QPlainTextEdit()
        self.impression.setAccessibleName("Clinical impression")
        self.impression.setPlaceholderText("Clinical impression, dermoscopy findings…")
        self.impression.setTabChangesFocus(True)
        self.impression.setMinimumHeight(48)
        self.impression.setMaximumHeight(72)
        form.addRow("&Impression", self.impression)
        outer.addLayout(form)
        self.status = InlineStatus()
        outer.addWidget(self.status)
        buttons = QHBoxLayout()
        self.pathology_button = button("Pathology…", "Enter the biopsy result")
        self.pathology_button.setToolTip("Enter the biopsy result of this lesion")
        self.pathology_button.clicked.connect(lambda: emit(self.pathology_requested))
        self._can_record_pathology = False
        buttons.addWidget(self.pathology_button)
        buttons.addStretch(1)
        self.cancel_button = button("Cancel")
        self.cancel_button.clicked.connect(lambda: emit(self.cancelled))
        self.save_button = button("Save lesion", role="primary")
        self.save_button.clicked.connect(self.request_save)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)
        self.clear()

    # --- filling -------------------------------------------------------------------

    def clear(self) -> None:
        self.lesion, self.position = None, None
        self.heading.setText("Lesion")
        for widget in (self.label, self.site):
            widget.clear()
        self.impression.clear()
        self.first_noted.setDate(QDate.currentDate())
        self.first_noted.setMaximumDate(QDate.currentDate())
        self.status_box.setCurrentIndex(0)
        self.follow_up.setValue(0)
        self._suggested, self._own_site = "", False
        self.use_suggestion.hide()
        self.status.clear_message()
        self.pathology_button.hide()
        self.setEnabled(False)

    def start_new(self, position: BodyPoint, site: str, label: str) -> None:
        """A marker was just placed: a blank lesion at ``position``."""
        self.clear()
        self.setEnabled(True)
        self.heading.setText("New lesion")
        self.position = position
        self.label.setText(label)
        self.site.setText(site)
        self._suggested = site
        self.follow_up.setValue(3)
        self.label.setFocus()
        self.label.selectAll()

    def show_lesion(self, lesion: Lesion) -> None:
        self.clear()
        self.setEnabled(True)
        self.lesion, self.position = lesion, lesion.position
        self.heading.setText(f"Lesion {lesion.label}")
        self.label.setText(lesion.label)
        self.site.setText(lesion.site)
        # A site that differs from the region under the marker was written by hand.
        region = site_at(lesion.position.view, lesion.position.x, lesion.position.y)
        self._suggested = region or lesion.site
        self._own_site = bool(region) and lesion.site != region
        day = lesion.first_noted
        self.first_noted.setDate(QDate(day.year, day.month, day.day))
        self.status_box.setCurrentIndex(max(0, self.status_box.findData(lesion.status.value)))
        self.impression.setPlainText(lesion.impression)
        self.follow_up.setValue(lesion.follow_up_months or 0)
        self.pathology_button.setVisible(self._can_record_pathology)  # saved lesions only

    def suggest_site(self, position: BodyPoint, site: str) -> None:
        """The marker moved: take the map's site unless the user wrote their own."""
        self.position = position
        if not site:
            return
        if self._own_site and self.site.text().strip() and site != self.site.text().strip():
            self._suggested = site
            self.use_suggestion.setText(f"Use: {site}")
            self.use_suggestion.show()
            return
        self.site.setText(site)
        self._suggested = site
        self.use_suggestion.hide()

    def set_can_record_pathology(self, allowed: bool) -> None:
        self._can_record_pathology = allowed
        self.pathology_button.setVisible(allowed and self.lesion is not None)

    def keeps_own_site(self) -> bool:
        return self._own_site

    # --- reading -------------------------------------------------------------------

    def draft(self) -> LesionDraft | None:
        """The form as a draft (validation is the service's job), or None with no marker."""
        if self.position is None:
            return None
        qdate = self.first_noted.date()
        months = self.follow_up.value()
        return LesionDraft(
            label=self.label.text(),
            site=self.site.text(),
            position=self.position,
            first_noted=date(qdate.year(), qdate.month(), qdate.day()),
            status=LesionStatus(self.status_box.currentData()),
            impression=self.impression.toPlainText(),
            follow_up_months=months or None,
        )

    def request_save(self) -> None:
        draft = self.draft()
        if draft is None:
            self.status.show_error("Click the body map to place the lesion first.")
            return
        self.status.clear_message()
        emit(self.save_requested, draft)

    # --- internals -------------------------------------------------------------------

    def _site_typed(self, text: str) -> None:
        self._own_site = bool(text.strip()) and text.strip() != self._suggested
        if not self._own_site:
            self.use_suggestion.hide()

    def _take_suggestion(self) -> None:
        self.site.setText(self._suggested)
        self._own_site = False
        self.use_suggestion.hide()


__all__ = ["LesionForm"]
