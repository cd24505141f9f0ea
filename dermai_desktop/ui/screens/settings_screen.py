"""Settings page, built from the declared settings table: editor by type, source, IT locks."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.roles import Operation, Role
from dermai_desktop.ui import theme
from dermai_desktop.ui.analysis.settings_page import AnalysisSettingsPage
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import button, muted_label, title_label

SOURCE_LABELS = {"default": "Default", "machine": "Set by IT", "clinic": "Clinic"}
LOCKED_TEXT = "Locked by your IT department"


_GROUPS = {
    "security": "Security",
    "ui": "Appearance",
    "clinic": "Clinic",
    "maintenance": "Maintenance",
    "logging": "Logging",
    "sentry": "Error reporting",
    "keychain": "Keychain",
}
_ACRONYMS = {"mrn": "MRN", "dsn": "DSN", "it": "IT", "ui": "UI"}


def setting_title(name: str) -> str:
    """``security.idle_lock_minutes`` -> ``Idle lock minutes``; ``mrn_prefix`` -> ``MRN prefix``."""
    words = name.rsplit(".", 1)[-1].split("_")
    words = [_ACRONYMS.get(w, w) for w in words]
    first = words[0] if words[0].isupper() else words[0].capitalize()
    return " ".join([first, *words[1:]])


def setting_group(name: str) -> str:
    prefix = name.split(".", 1)[0]
    return _GROUPS.get(prefix, prefix.capitalize())


def read_only_reason(setting: Any, role: Role) -> str | None:
    """Why this row cannot be edited by ``role``, in plain words, or None if it can."""
    spec = setting.spec
    if setting.locked:
        return LOCKED_TEXT
    if spec.scope == "machine":
        return "Set in this computer's configuration file by IT"
    if role not in spec.changeable_by:
        who = " or ".join(sorted(r.label.lower() for r in spec.changeable_by)) or "IT"
        return f"Only a {who} can change this"
    return None


class _Row:
    """One setting's editor and how to read its value back."""

    def __init__(self, setting: Any, editor: QWidget) -> None:
        self.setting = setting
        self.editor = editor

    def value(self) -> object:
        editor = self.editor
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QSpinBox):
            return editor.value()
        if isinstance(editor, QComboBox):
            return editor.currentText()
        assert isinstance(editor, QLineEdit)
        return editor.text()

    def changed(self) -> bool:
        return self.value() != self.setting.value

    def set_value(self, value: object) -> None:
        editor = self.editor
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QSpinBox) and isinstance(value, int):
            editor.setValue(value)
        elif isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        elif isinstance(editor, QLineEdit):
            editor.setText(str(value))


def make_editor(setting: Any) -> QWidget:
    spec = setting.spec
    label = setting_title(spec.name)
    editor: QWidget
    if spec.type == "bool":
        editor = QCheckBox("On")
        editor.setChecked(bool(setting.value))
    elif spec.type == "int":
        editor = QSpinBox()
        editor.setRange(
            spec.minimum if spec.minimum is not None else -(2**31),
            spec.maximum if spec.maximum is not None else 2**31 - 1,
        )
        editor.setValue(int(setting.value))
        editor.setMinimumWidth(120)
    elif spec.type == "choice":
        editor = QComboBox()
        editor.addItems(list(spec.choices))
        editor.setCurrentText(str(setting.value))
        editor.setMinimumWidth(160)
    else:
        editor = QLineEdit(str(setting.value))
        editor.setMinimumWidth(240)
    editor.setAccessibleName(label)
    editor.setAccessibleDescription(spec.description)
    editor.setObjectName(f"setting:{spec.name}")
    return editor


class SettingsScreen(QWidget):
    """Signals:
    theme_changed(str): ui.theme was saved with a new value.
    """

    theme_changed = Signal(str)

    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._keep_after_refresh: dict[str, object] = {}
        self._session = session
        self._tasks = tasks
        self._settings = session.services.settings
        self.rows: dict[str, _Row] = {}
        self.setObjectName("page")
        self.setAccessibleName("Settings")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 24)
        layout.setSpacing(14)
        layout.addWidget(title_label("Settings"))
        layout.addWidget(
            muted_label(
                "Clinic settings apply to every workstation. IT can set or lock options for "
                "this computer; those are shown read-only."
            )
        )
        self.status = InlineStatus()
        layout.addWidget(self.status)

        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setAccessibleName("Settings list")
        # Clinicians and the manager also get the analysis models' card and validation table.
        self.analysis_page: AnalysisSettingsPage | None = None
        self.tabs: QTabWidget | None = None
        if session.may(Operation.ANALYSIS_RUN) or session.may(Operation.ANALYSIS_VALIDATION):
            self.analysis_page = AnalysisSettingsPage(session, tasks)
            self.tabs = QTabWidget()
            self.tabs.setObjectName("settingsTabs")
            self.tabs.addTab(self._scroll, "Clinic settings")
            self.tabs.addTab(self.analysis_page, "Lesion analysis")
            layout.addWidget(self.tabs, 1)
        else:
            layout.addWidget(self._scroll, 1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.revert_button = button("Revert", "Revert unsaved changes")
        self.save_button = button("Save changes", role="primary")
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.refresh)
        if self.tabs is not None:
            self.tabs.currentChanged.connect(self._tab_changed)
        self._update_buttons()

    def refresh(self) -> None:
        actor = self._session.actor
        self._tasks.run(
            lambda: self._settings.effective(actor),
            on_success=self._on_loaded,
            on_error=self._show_problem,
            owner=self,
        )

    def _on_loaded(self, settings: list[Any]) -> None:
        self.rows.clear()
        body = QWidget()
        body.setObjectName("scrollBody")
        grid = QGridLayout(body)
        # Inside the tab pane the rows need room from its border; alone on the page they do not.
        inset = 12 if self.tabs is not None else 0
        grid.setContentsMargins(inset, inset // 2, 12, inset // 2)
        grid.setHorizontalSpacing(20)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(0, 1)
        row_index = 0
        group = ""
        for setting in settings:
            name = setting.spec.name
            if setting_group(name) != group:
                group = setting_group(name)
                heading = QLabel(group)
                heading.setObjectName("sectionTitle")
                grid.addWidget(heading, row_index, 0, 1, 3)
                row_index += 1
            row_index = self._add_row(grid, row_index, setting)
        grid.setRowStretch(row_index, 1)
        self._scroll.setWidget(body)
        kept, self._keep_after_refresh = self._keep_after_refresh, {}
        for name, value in kept.items():
            row = self.rows.get(name)
            if row is not None and row.editor.isEnabled() and row.setting.value != value:
                row.set_value(value)
        self._update_buttons()

    def _add_row(self, grid: QGridLayout, row_index: int, setting: Any) -> int:
        spec = setting.spec
        text = QVBoxLayout()
        text.setSpacing(2)
        title = QLabel(setting_title(spec.name))
        title.setStyleSheet("font-weight: 600;")
        text.addWidget(title)
        description = muted_label(spec.description)
        text.addWidget(description)
        reason = read_only_reason(setting, self._session.role)
        if reason:
            note = QHBoxLayout()
            note.setSpacing(6)
            if setting.locked:
                icon = QLabel()
                icon.setPixmap(theme.pixmap("lock", 14, theme.token("warning")))
                icon.setAccessibleName("Locked")
                note.addWidget(icon)
            label = QLabel(reason)
            label.setObjectName("lockedNote" if setting.locked else "hint")
            note.addWidget(label)
            note.addStretch(1)
            text.addLayout(note)
        holder = QWidget()
        holder.setLayout(text)
        grid.addWidget(holder, row_index, 0)

        editor = make_editor(setting)
        editor.setEnabled(reason is None)
        if reason:
            editor.setToolTip(reason)
        grid.addWidget(editor, row_index, 1, Qt.AlignmentFlag.AlignVCenter)
        badge = QLabel(SOURCE_LABELS.get(setting.source, setting.source))
        badge.setObjectName("badge")
        badge.setProperty("source", setting.source)
        badge.setAccessibleName(f"Source: {badge.text()}")
        grid.addWidget(badge, row_index, 2, Qt.AlignmentFlag.AlignVCenter)

        row = _Row(setting, editor)
        self.rows[spec.name] = row
        for signal_name in ("toggled", "valueChanged", "currentTextChanged", "textChanged"):
            signal = getattr(editor, signal_name, None)
            if signal is not None:
                signal.connect(self._update_buttons)
                break
        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.HLine)
        separator.setStyleSheet("color: palette(mid); max-height: 1px; margin: 6px 0;")
        grid.addWidget(separator, row_index + 1, 0, 1, 3)
        return row_index + 2

    def _tab_changed(self, index: int) -> None:
        # Save and Revert belong to the clinic settings, not to the analysis tab.
        self.save_button.setVisible(index == 0)
        self.revert_button.setVisible(index == 0)

    def changes(self) -> dict[str, object]:
        return {
            name: row.value()
            for name, row in self.rows.items()
            if row.editor.isEnabled() and row.changed()
        }

    def _update_buttons(self) -> None:
        pending = bool(self.changes())
        self.save_button.setEnabled(pending)
        self.revert_button.setEnabled(pending)

    def save(self) -> None:
        changes = self.changes()
        if not changes:
            return
        actor = self._session.actor

        def apply() -> dict[str, object]:
            for name, value in changes.items():
                self._settings.change(actor, name, value)
            return changes

        self.save_button.setEnabled(False)
        self._tasks.run(
            apply,
            on_success=self._on_saved,
            on_error=lambda exc: self._on_save_failed(exc, changes),
            owner=self,
        )

    def _on_saved(self, changes: dict[str, object]) -> None:
        count = len(changes)
        self.status.show_success(f"Saved {count} change{'s' if count != 1 else ''}.")
        if "ui.theme" in changes:
            emit(self.theme_changed, str(changes["ui.theme"]))
        self.refresh()

    def _on_save_failed(self, exc: BaseException, attempted: dict[str, object]) -> None:
        self._show_problem(exc)
        # Some changes may have been saved before the refusal; show what is really in force,
        # then put back what the user typed and was not saved, so they can correct it.
        self._keep_after_refresh = attempted
        self.refresh()

    def _show_problem(self, exc: BaseException) -> None:
        self.status.show_failure(exc, self._tasks.report)

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)  # type: ignore[arg-type]
        if not self.rows:
            self.refresh()
