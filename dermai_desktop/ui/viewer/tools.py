"""Viewer tools and keyboard shortcuts: one table for the toolbar, the keys and the "?" sheet."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

LAST_TOOL_KEY = "viewer/last_tool"


class Tool(StrEnum):
    PAN = "pan"  # select, move and pan
    RULER = "ruler"
    AREA = "area"
    ARROW = "arrow"
    ELLIPSE = "ellipse"
    TEXT = "text"
    CALIBRATE = "calibrate"

    @property
    def label(self) -> str:
        return _TOOL_INFO[self][0]

    @property
    def shortcut(self) -> str:
        return _TOOL_INFO[self][1]

    @property
    def hint(self) -> str:
        return _TOOL_INFO[self][2]

    @property
    def icon_name(self) -> str:
        return f"viewer-{self.value}"

    @property
    def draws(self) -> bool:
        return self is not Tool.PAN


_TOOL_INFO: dict[Tool, tuple[str, str, str]] = {
    Tool.PAN: ("Select / pan", "V", "Drag to pan; click a drawing to select, move or edit it."),
    Tool.RULER: ("Ruler", "R", "Drag across the lesion to measure a length."),
    Tool.AREA: (
        "Area",
        "A",
        "Click around the border (or drag to trace it); double-click or Enter closes it.",
    ),
    Tool.ARROW: ("Arrow", "W", "Drag from the tail to the point of interest."),
    Tool.ELLIPSE: ("Ellipse", "E", "Drag a box around the area to circle."),
    Tool.TEXT: ("Text", "T", "Click where the note should go."),
    Tool.CALIBRATE: ("Calibrate", "C", "Drag along a ruler or known length, then enter its mm."),
}


@dataclass(frozen=True, slots=True)
class Command:
    """A viewer command that is not a tool: its name, keys and what it does."""

    name: str
    keys: tuple[str, ...]
    description: str
    icon: str = ""


COMMANDS: tuple[Command, ...] = (
    Command("fit", ("F",), "Fit the image to the window", "viewer-fit"),
    Command("actual", ("1",), "Actual size (one image pixel per screen pixel)", "viewer-actual"),
    Command("zoom_in", ("+", "="), "Zoom in", "viewer-zoom-in"),
    Command("zoom_out", ("-",), "Zoom out", "viewer-zoom-out"),
    Command("rotate_left", ("[",), "Rotate 90° anticlockwise", "viewer-rotate-left"),
    Command("rotate_right", ("]",), "Rotate 90° clockwise", "viewer-rotate-right"),
    Command("flip_h", ("H",), "Flip left–right", "viewer-flip-h"),
    Command("flip_v", ("Shift+H",), "Flip top–bottom", "viewer-flip-v"),
    Command("brighter", ("B",), "Brighter (display only)", "viewer-brightness"),
    Command("darker", ("Shift+B",), "Darker (display only)"),
    Command("more_contrast", ("K",), "More contrast (display only)", "viewer-contrast"),
    Command("less_contrast", ("Shift+K",), "Less contrast (display only)"),
    Command("reset_adjust", ("0",), "Reset brightness and contrast", "viewer-reset"),
    Command("delete", ("Delete", "Backspace"), "Remove the selected drawing", "viewer-delete"),
    Command("save", ("Ctrl+S",), "Save measurements and annotations", "viewer-save"),
    Command("help", ("?", "F1"), "Show this list of shortcuts", "help"),
)

#: Keys not on the tool bar: the canvas's own and the analysis panel's (so the sheet is complete).
CANVAS_KEYS: tuple[tuple[str, str], ...] = (
    ("Wheel / pinch", "Zoom about the pointer"),
    ("Middle-button drag", "Pan with any tool"),
    ("Enter / double-click", "Close the area outline being drawn"),
    ("Esc", "Cancel the drawing in progress"),
    # The analysis panel's own action (dermatologists only; see ui/analysis/analysis_dock).
    ("Y", "Analyze the image with the on-device model (dermatologists)"),
)


def command(name: str) -> Command:
    return next(c for c in COMMANDS if c.name == name)


def remembered_tool(settings: QSettings) -> Tool:
    """The tool the user last picked (the viewer opens with it); Select/pan the first time."""
    value = settings.value(LAST_TOOL_KEY, Tool.PAN.value)
    try:
        return Tool(str(value))
    except ValueError:
        return Tool.PAN


def remember_tool(settings: QSettings, tool: Tool) -> None:
    # Calibration is a one-off step; reopening the viewer in it would surprise.
    settings.setValue(LAST_TOOL_KEY, (Tool.PAN if tool is Tool.CALIBRATE else tool).value)


def shortcut_rows() -> list[tuple[str, str]]:
    rows = [(tool.shortcut, f"{tool.label} tool — {tool.hint}") for tool in Tool]
    rows += [(" / ".join(c.keys), c.description) for c in COMMANDS]
    rows += list(CANVAS_KEYS)
    return rows


class ShortcutSheet(QDialog):
    """The "?" sheet: every key the viewer understands."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Viewer keyboard shortcuts")
        self.setObjectName("viewerShortcutSheet")
        rows = shortcut_rows()
        table = QTableWidget(len(rows), 2, self)
        table.setHorizontalHeaderLabels(["Key", "Does"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for row, (keys, does) in enumerate(rows):
            table.setItem(row, 0, QTableWidgetItem(keys))
            table.setItem(row, 1, QTableWidgetItem(does))
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.table = table
        self.resize(620, 560)
