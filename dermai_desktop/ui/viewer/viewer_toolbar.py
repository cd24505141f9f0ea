"""The viewer's tool bar: a checkable action per drawing tool, an action per command, Save.

Kept apart from ``viewer_window`` so that module stays about loading, editing and
saving. The window hands in its canvas and the few of its own methods the commands
call, so this module needs nothing else from the window.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QPushButton, QSizePolicy, QToolBar, QWidget

from dermai_desktop.ui import theme
from dermai_desktop.ui.viewer.drawing import DrawingCanvas
from dermai_desktop.ui.viewer.source import Adjustment
from dermai_desktop.ui.viewer.tools import COMMANDS, Tool

ICON_COLOUR = "#d5e0e6"
BRIGHTNESS_STEP = 10
CONTRAST_STEP = 0.1
#: Commands that also get a button; the rest are keys only (Help and Save sit at the bar's end).
COMMANDS_ON_BAR = frozenset(
    {
        "fit",
        "actual",
        "zoom_in",
        "zoom_out",
        "rotate_left",
        "rotate_right",
        "flip_h",
        "flip_v",
        "brighter",
        "more_contrast",
        "reset_adjust",
        "delete",
    }
)
#: A separator goes before each of these so zoom, orientation, display and editing read as groups.
FIRST_OF_GROUP = frozenset({"fit", "rotate_left", "brighter", "delete"})


def command_handlers(
    canvas: DrawingCanvas,
    *,
    adjust: Callable[[Adjustment], None],
    save: Callable[[], None],
    show_shortcuts: Callable[[], object],
) -> dict[str, Callable[[], object]]:
    """What each entry of ``tools.COMMANDS`` does, by command name."""
    return {
        "fit": canvas.fit,
        "actual": canvas.actual_size,
        "zoom_in": lambda: canvas.zoom_by(1.25),
        "zoom_out": lambda: canvas.zoom_by(0.8),
        "rotate_left": lambda: canvas.rotate_by(-90),
        "rotate_right": lambda: canvas.rotate_by(90),
        "flip_h": canvas.flip_horizontal,
        "flip_v": canvas.flip_vertical,
        "brighter": lambda: adjust(canvas.adjustment.brighter(BRIGHTNESS_STEP)),
        "darker": lambda: adjust(canvas.adjustment.brighter(-BRIGHTNESS_STEP)),
        "more_contrast": lambda: adjust(canvas.adjustment.more_contrast(CONTRAST_STEP)),
        "less_contrast": lambda: adjust(canvas.adjustment.more_contrast(-CONTRAST_STEP)),
        "reset_adjust": lambda: adjust(Adjustment()),
        "delete": canvas.layer.remove_selected,
        "save": save,
        "help": show_shortcuts,
    }


class ViewerToolbar:
    """Builds the viewer's top tool bar on ``window`` and keeps the actions it made.

    Attributes:
        bar: the tool bar, already added to the window.
        actions_by_name: every action, by tool value or command name.
        tool_actions: the checkable action of each drawing tool.
        save_button: the Save button at the right end of the bar.
    """

    def __init__(
        self,
        window: QMainWindow,
        canvas: DrawingCanvas,
        *,
        select_tool: Callable[[Tool], None],
        adjust: Callable[[Adjustment], None],
        save: Callable[[], None],
        show_shortcuts: Callable[[], object],
    ) -> None:
        self._window = window
        self.actions_by_name: dict[str, QAction] = {}
        self.tool_actions: dict[Tool, QAction] = {}
        bar = QToolBar("Viewer tools", window)
        bar.setObjectName("viewerToolbar")
        bar.setMovable(False)
        bar.setIconSize(QSize(22, 22))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.bar = bar
        self._add_tools(select_tool)
        self._add_commands(
            command_handlers(canvas, adjust=adjust, save=save, show_shortcuts=show_shortcuts)
        )
        spacer = QWidget(bar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addAction(self.actions_by_name["help"])
        self.save_button = QPushButton(theme.icon("viewer-save", "#ffffff"), "Save", bar)
        self.save_button.setObjectName("viewerSave")
        self.save_button.setToolTip("Save measurements and annotations  (Ctrl+S)")
        self.save_button.clicked.connect(save)
        bar.addWidget(self.save_button)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    def _action(self, name: str, text: str, keys: tuple[str, ...], icon_name: str) -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(f"viewerAction_{name}")
        if icon_name:
            action.setIcon(theme.icon(icon_name, ICON_COLOUR))
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{text}  ({' / '.join(keys)})")
        # On the window, not only the bar: commands without a button still need their keys.
        self._window.addAction(action)
        self.actions_by_name[name] = action
        return action

    def _add_tools(self, select_tool: Callable[[Tool], None]) -> None:
        group = QActionGroup(self._window)
        for tool in Tool:
            action = self._action(tool.value, tool.label, (tool.shortcut,), tool.icon_name)
            action.setCheckable(True)
            action.setToolTip(f"{tool.label}  ({tool.shortcut})\n{tool.hint}")
            action.triggered.connect(lambda _checked=False, tool=tool: select_tool(tool))
            group.addAction(action)
            self.bar.addAction(action)
            self.tool_actions[tool] = action

    def _add_commands(self, handlers: dict[str, Callable[[], object]]) -> None:
        for command in COMMANDS:
            action = self._action(command.name, command.description, command.keys, command.icon)
            action.triggered.connect(lambda _checked=False, fn=handlers[command.name]: fn())
            if command.name in COMMANDS_ON_BAR:
                if command.name in FIRST_OF_GROUP:
                    self.bar.addSeparator()
                self.bar.addAction(action)
