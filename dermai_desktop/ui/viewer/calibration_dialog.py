"""Calibration from a line of known length drawn on the image, or from a device's field of view."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.imaging import Calibration, Point, distance

#: Common fields of view (mm across the image) offered as a starting value.
DERMATOSCOPE_FIELD_MM = 25.0


class CalibrationDialog(QDialog):
    """Ask for millimetres; build the ``Calibration`` (domain rules check the range).

    Built either from a drawn line (``line``) or from a device's field of view
    (``line`` None: the width in mm that the whole image spans).
    """

    def __init__(
        self,
        image_width_px: int,
        line: tuple[Point, Point] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("calibrationDialog")
        self._line = line
        self._width_px = image_width_px
        self.calibration: Calibration | None = None
        self.value = QDoubleSpinBox(self)
        self.value.setDecimals(2)
        self.value.setSuffix(" mm")
        self.value.setRange(0.1, 1000.0)
        self.value.setAccessibleName("Real length in millimetres")
        self.result_label = QLabel(self)
        self.result_label.setObjectName("calibrationResult")
        self.error_label = QLabel(self)
        self.error_label.setObjectName("formError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        form = QFormLayout()
        if line is not None:
            self.setWindowTitle("Calibrate from a drawn line")
            pixels = distance(*line)
            intro = QLabel(
                f"The line you drew is {pixels:.0f} pixels long. How long is it in reality?\n"
                "Draw over a ruler in the photo for the best accuracy.",
                self,
            )
            self.value.setValue(10.0)
            form.addRow("Real length", self.value)
        else:
            self.setWindowTitle("Calibrate from the device's field of view")
            intro = QLabel(
                "How many millimetres does the whole image span from left to right?\n"
                f"(A contact dermatoscope typically shows about {DERMATOSCOPE_FIELD_MM:.0f} mm.)",
                self,
            )
            self.value.setValue(DERMATOSCOPE_FIELD_MM)
            form.addRow("Field of view", self.value)
        intro.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.value.valueChanged.connect(self._preview)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.result_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._preview()

    def build(self) -> Calibration:
        """The calibration for the value entered; ``ValidationFailed`` when it is implausible."""
        mm = self.value.value()
        if self._line is not None:
            return Calibration.from_ruler(self._line[0], self._line[1], mm)
        return Calibration.from_field_of_view(mm, self._width_px)

    def _preview(self) -> None:
        try:
            calibration = self.build()
        except ValidationFailed as exc:
            self.result_label.setText("")
            self.error_label.setText(exc.message)
            self.error_label.show()
            return
        self.error_label.hide()
        self.result_label.setText(
            f"{calibration.mm_per_pixel:.4f} mm per pixel "
            f"({1 / calibration.mm_per_pixel:.1f} pixels per mm)"
        )

    def accept(self) -> None:
        try:
            self.calibration = self.build()
        except ValidationFailed as exc:
            self.error_label.setText(exc.message)
            self.error_label.show()
            return
        super().accept()
