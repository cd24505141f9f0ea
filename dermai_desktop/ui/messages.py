"""The one error surface: plain messages for expected errors, an incident id for bugs."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Callable, Iterator

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget

from dermai_desktop.domain.errors import ExpectedError

logger = logging.getLogger(__name__)

IncidentIdFactory = Callable[[], str]

# No 0/O or 1/I: an incident id is read aloud over the phone to IT.
_INCIDENT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def default_incident_id() -> str:
    """A short random id such as ``K7QD-M3XA``, logged with the traceback."""
    chars = "".join(secrets.choice(_INCIDENT_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def plain_text(exc: ExpectedError) -> str:
    """Message and next step, each on its own line."""
    return "\n\n".join(part for part in (exc.message, exc.next_step) if part)


class ErrorSurface:
    """Shows any exception to the user in the one agreed way.

    Expected errors get their title, plain message and next step. Anything
    else is a bug: the user sees an incident id only; the traceback goes to
    ``logging`` (and from there to the redacting log file), never to a dialog.
    """

    def __init__(self, incident_id_factory: IncidentIdFactory = default_incident_id) -> None:
        self._incident_id_factory = incident_id_factory
        self._parent_provider: Callable[[], QWidget | None] = lambda: None
        self.last_box: QMessageBox | None = None  # the box most recently shown; tests read it

    def set_parent_provider(self, provider: Callable[[], QWidget | None]) -> None:
        """Which window boxes should be centred on (the active one, normally)."""
        self._parent_provider = provider

    def show(self, exc: BaseException, parent: QWidget | None = None) -> QMessageBox:
        """Show ``exc`` in a non-blocking message box and return it."""
        parent = parent or self._parent_provider() or QApplication.activeWindow()
        if isinstance(exc, ExpectedError):
            logger.info("expected error shown: %s", type(exc).__name__)
            box = QMessageBox(QMessageBox.Icon.Warning, exc.title, exc.message, parent=parent)
            if exc.next_step:
                box.setInformativeText(exc.next_step)
        else:
            incident = self._incident_id_factory()
            logger.error("unexpected error, incident %s", incident, exc_info=exc)
            box = QMessageBox(
                QMessageBox.Icon.Critical,
                "Something went wrong",
                "Something went wrong and this action did not complete.",
                parent=parent,
            )
            box.setInformativeText(
                f"Incident {incident}. Nothing you saved before this was lost. "
                "If it happens again, tell IT this incident number."
            )
            box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box.setProperty("incident_id", incident)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setAccessibleName(box.windowTitle())
        box.open()
        self.last_box = box
        return box

    def __call__(self, exc: BaseException) -> None:
        self.show(exc)


class InlineStatus(QLabel):
    """A label under a form for inline messages; hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setObjectName("inlineStatus")
        self.setAccessibleName("Status message")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_error(self, text: str) -> None:
        self._set(text, "error")

    def show_expected(self, exc: ExpectedError) -> None:
        self._set(exc.user_text(), "error")

    def show_failure(self, exc: BaseException, report: Callable[[BaseException], None]) -> None:
        """An expected problem in plain words here; anything else goes to ``report`` (a bug)."""
        if isinstance(exc, ExpectedError):
            self.show_expected(exc)
        else:
            report(exc)

    def show_info(self, text: str) -> None:
        self._set(text, "info")

    def show_success(self, text: str) -> None:
        self._set(text, "success")

    def clear_message(self) -> None:
        self.setText("")
        self.hide()

    def _set(self, text: str, kind: str) -> None:
        self.setProperty("kind", kind)
        # Re-polish so the [kind=...] style sheet selector picks up the new value.
        self.style().unpolish(self)
        self.style().polish(self)
        self.setText(text)
        self.setAccessibleDescription(text)
        self.show()


@contextlib.contextmanager
def busy_cursor() -> Iterator[None]:
    """A wait cursor for the few synchronous moments (opening a print dialog)."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


class BusyIndicator:
    """Shows a busy cursor while a TaskRunner has work, without blocking input."""

    def __init__(self) -> None:
        self._active = False

    def set_busy(self, busy: bool) -> None:
        if busy and not self._active:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        elif not busy and self._active:
            QGuiApplication.restoreOverrideCursor()
        self._active = busy
