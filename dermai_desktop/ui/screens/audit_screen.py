"""Audit page: recent events, read-only, and a plain verdict on the tamper-evident chain."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.audit import AuditEvent, ChainVerdict
from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.ui import theme
from dermai_desktop.ui.item_models.audit_model import AuditTableModel
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import button, muted_label, title_label

RECENT_LIMIT = 200


def verdict_text(verdict: ChainVerdict) -> str:
    if verdict.ok:
        return (
            f"The audit trail is intact: {verdict.rows_checked} entries checked, "
            "none altered, removed or reordered."
        )
    reason = f" ({verdict.reason})" if verdict.reason else ""
    return (
        f"The audit trail has been tampered with: entry #{verdict.first_broken_seq} is the first "
        f"broken link{reason}. Tell the clinic manager and IT; keep the latest backup safe."
    )


class AuditScreen(QWidget):
    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self._audit = session.services.audit
        self.setObjectName("page")
        self.setAccessibleName("Audit trail")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 24)
        layout.setSpacing(14)
        layout.addWidget(title_label("Audit trail"))
        layout.addWidget(
            muted_label(
                f"The latest {RECENT_LIMIT} recorded actions, newest first. Entries cannot be "
                "changed; each is sealed to the one before, so tampering shows."
            )
        )
        toolbar = QHBoxLayout()
        self.verify_button = button("Verify trail", role="primary")
        self.verify_button.setIcon(theme.icon("shield", "#ffffff"))
        self.refresh_button = button("Refresh")
        toolbar.addWidget(self.verify_button)
        toolbar.addStretch(1)
        toolbar.addWidget(self.refresh_button)
        layout.addLayout(toolbar)
        self.status = InlineStatus()
        layout.addWidget(self.status)

        self.model = AuditTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Audit events")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(34)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.table, 1)

        self.verify_button.clicked.connect(self.verify)
        self.refresh_button.clicked.connect(self.refresh)

    def refresh(self) -> None:
        actor = self._session.actor
        self._tasks.run(
            lambda: self._audit.recent(actor, limit=RECENT_LIMIT),
            on_success=self._on_loaded,
            on_error=self._show_problem,
            owner=self,
        )

    def _on_loaded(self, events: list[AuditEvent]) -> None:
        newest_first = sorted(events, key=lambda e: e.seq, reverse=True)
        self.model.set_events(newest_first)

    def verify(self) -> None:
        actor = self._session.actor
        self.verify_button.setEnabled(False)
        self.status.show_info("Checking every entry of the audit trail…")
        self._tasks.run(
            lambda: self._audit.verify(actor),
            on_success=self._on_verified,
            on_error=self._show_problem,
            owner=self,
        )

    def _on_verified(self, verdict: ChainVerdict) -> None:
        self.verify_button.setEnabled(True)
        if verdict.ok:
            self.status.show_success(verdict_text(verdict))
        else:
            self.status.show_error(verdict_text(verdict))
        self.refresh()  # verifying is itself an audited action

    def _show_problem(self, exc: BaseException) -> None:
        self.verify_button.setEnabled(True)
        if isinstance(exc, ExpectedError):
            self.status.show_expected(exc)
        else:
            self.status.clear_message()
            self._tasks.report(exc)

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)  # type: ignore[arg-type]
        self.refresh()
