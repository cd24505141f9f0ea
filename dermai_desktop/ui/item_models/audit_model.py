"""Read-only table model of recent audit events."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from dermai_desktop.domain.audit import AuditEvent
from dermai_desktop.domain.roles import Role
from dermai_desktop.ui.item_models.users_model import local_time

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
RECORD_COLUMN = 5


def _action_label(action: str) -> str:
    return action.replace("_", " ").capitalize()


def _role_label(role: str | None) -> str:
    try:
        return Role(role).label if role else "—"
    except ValueError:
        return role or "—"


def _record(event: AuditEvent, *, full: bool) -> str:
    """Entity type and id; the table shows a short id (like a git hash), the tooltip all of it."""
    entity_id = event.entity_id or ""
    if entity_id and not full:
        entity_id = entity_id[-8:] if len(entity_id) > 12 else entity_id
    return " ".join(part for part in (event.entity_type, entity_id) if part) or "—"


class AuditTableModel(QAbstractTableModel):
    HEADERS = ("#", "Time", "User", "Role", "Action", "Record", "Outcome", "Detail")

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._events: list[AuditEvent] = []

    def set_events(self, events: Sequence[AuditEvent]) -> None:
        self.beginResetModel()
        self._events = list(events)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._events):
            return None
        event = self._events[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == RECORD_COLUMN:
            return _record(event, full=True)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        values = (
            str(event.seq),
            local_time(event.occurred_at, ""),
            event.username or "—",
            _role_label(event.role),
            _action_label(event.action),
            _record(event, full=False),
            event.outcome.capitalize(),
            event.detail,
        )
        return values[index.column()]

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
