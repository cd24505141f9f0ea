"""The viewer's "Image" panel: what the picture is, with its modality and consent editable.

Modality and consent are chosen at import (the consent from the patient's
standing consent); a dermatologist corrects either here. Each change is
saved through the image service, which audits it.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from dermai_desktop.domain.imaging import (
    Calibration,
    CalibrationSource,
    ConsentScope,
    LesionImage,
    Modality,
)
from dermai_desktop.ui.signals import emit


def calibration_text(calibration: Calibration | None) -> str:
    if calibration is None:
        return "Not calibrated — sizes in pixels"
    how = "ruler" if calibration.source is CalibrationSource.RULER else "device field of view"
    return f"{calibration.mm_per_pixel:.4f} mm/px ({how})"


class ImageFacts(QWidget):
    """Signals:
    modality_chosen(str): a ``Modality`` value the user picked.
    consent_chosen(str): a ``ConsentScope`` value the user picked.
    """

    modality_chosen = Signal(str)
    consent_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.table = QLabel(self)
        self.table.setObjectName("viewerFacts")
        self.table.setWordWrap(True)
        self.table.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.table)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self.modality = QComboBox(self)
        self.modality.setAccessibleName("Modality of this image")
        for modality in Modality:
            self.modality.addItem(modality.label, modality.value)
        self.consent = QComboBox(self)
        self.consent.setAccessibleName("Consent scope of this image")
        self.consent.setToolTip(
            "How far this image may travel: exports, reports and teaching sets honour it."
        )
        for scope in ConsentScope:
            self.consent.addItem(scope.label, scope.value)
        for text, combo in (("Modality", self.modality), ("Consent", self.consent)):
            label = QLabel(text, self)
            label.setObjectName("viewerMuted")  # the viewer is always dark
            label.setBuddy(combo)
            form.addRow(label, combo)
        layout.addLayout(form)
        self.modality.activated.connect(
            lambda _i: emit(self.modality_chosen, str(self.modality.currentData()))
        )
        self.consent.activated.connect(
            lambda _i: emit(self.consent_chosen, str(self.consent.currentData()))
        )
        self.set_editable(False)

    def set_editable(self, editable: bool) -> None:
        self.modality.setEnabled(editable)
        self.consent.setEnabled(editable)

    def show_image(self, image: LesionImage) -> None:
        taken = image.taken_on.strftime("%d %b %Y")
        rows = [
            ("Taken", taken),
            ("Size", f"{image.width} × {image.height} px"),
            ("Calibration", calibration_text(image.calibration)),
        ]
        if image.device:
            rows.append(("Device", image.device))
        self.table.setText(
            "<table cellspacing='3'>"
            + "".join(
                f"<tr><td style='color:#8fa3ae;padding-right:8px'>{k}</td><td>{escape(v)}</td></tr>"
                for k, v in rows
            )
            + "</table>"
        )
        # A rich-text label inside the side bar does not grow for wrapped lines by itself.
        self.table.setMinimumHeight(self.table.heightForWidth(max(self.width(), 262)))
        self.modality.setCurrentIndex(self.modality.findData(image.modality.value))
        self.consent.setCurrentIndex(self.consent.findData(image.consent.value))

    def text(self) -> str:
        """Everything shown, as plain text (for tests and accessibility)."""
        return " ".join(
            [self.table.text(), self.modality.currentText(), self.consent.currentText()]
        )


__all__ = ["ImageFacts", "calibration_text"]
