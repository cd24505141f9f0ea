"""Table model of the clinic's user accounts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from dermai_desktop.domain.users import User

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
USER_ROLE = Qt.ItemDataRole.UserRole + 1  # the User object behind a row


def user_status(user: User, now: datetime) -> str:
    """The one-word state a manager needs: can this person sign in right now?"""
    if not user.active:
        return "Disabled"
    if user.locked_until is not None and user.locked_until > now:
        return "Locked"
    if user.must_change_password:
        return "New password due"
    return "Active"


def local_time(value: datetime | None, empty: str = "Never") -> str:
    """UTC from the services, shown in the workstation's local time."""
    if value is None:
        return empty
    return value.astimezone().strftime("%d %b %Y, %H:%M")


class UsersTableModel(QAbstractTableModel):
    HEADERS = ("User name", "Full name", "Role", "Status", "Last sign-in")

    def __init__(self, now: Callable[[], datetime], parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._users: list[User] = []
        self._now = now

    def set_users(self, users: Sequence[User]) -> None:
        self.beginResetModel()
        self._users = sorted(users, key=lambda u: (not u.active, u.username))
        self.endResetModel()

    def user_at(self, row: int) -> User | None:
        return self._users[row] if 0 <= row < len(self._users) else None

    def row_of(self, username: str) -> int:
        for row, user in enumerate(self._users):
            if user.username == username:
                return row
        return -1

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self._users)

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._users):
            return None
        user = self._users[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            values = (
                user.username,
                user.full_name,
                user.role.label,
                user_status(user, self._now()),
                local_time(user.last_login_at),
            )
            return values[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 3 and user.locked_until:
            return f"Locked until {local_time(user.locked_until)}"
        if role == USER_ROLE:
            return user
        return None

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
