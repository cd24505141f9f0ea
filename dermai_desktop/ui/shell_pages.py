"""What the main window shows: the pages per role, the screen class behind each, the shortcuts.

Every page names its screen class here (``PAGES``). The Charts page is
``ChartTabs``, which opens one ``ChartScreen`` tab per patient. The window
builds each page's screen at sign-in through ``build_screen``: a screen whose
constructor raises is logged and replaced by a plain error page, so one faulty
screen never stops the window from opening.

The window talks to screens through the small protocols below, one per thing
it needs (find a patient, book, save, refresh, the signals it connects). The
real screens satisfy them (mypy checks that at the bottom of this module); the
window checks a page with ``isinstance(page, Protocol)`` before using it, so an
error page simply has nothing to call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QWidget

from dermai_desktop.domain.roles import Operation
from dermai_desktop.services.schedule_dto import WaitlistOffer
from dermai_desktop.ui.chart_tabs import ChartTabs
from dermai_desktop.ui.screens.audit_screen import AuditScreen
from dermai_desktop.ui.screens.chart_screen import ChartScreen
from dermai_desktop.ui.screens.checkin_screen import CheckInScreen
from dermai_desktop.ui.screens.patients_screen import PatientsScreen
from dermai_desktop.ui.screens.schedule_screen import ScheduleScreen
from dermai_desktop.ui.screens.schedule_settings_screen import ScheduleSettingsScreen
from dermai_desktop.ui.screens.settings_screen import SettingsScreen
from dermai_desktop.ui.screens.templates_screen import TemplatesScreen
from dermai_desktop.ui.screens.users_screen import UsersScreen
from dermai_desktop.ui.screens.waitlist_recall_screen import WaitlistRecallScreen
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

W = TypeVar("W", bound=QWidget)

#: How a page's screen is made: every screen class is ``Screen(session, tasks)``.
ScreenFactory = Callable[[Session, TaskRunner], QWidget]


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One entry of the navigation list, shown to roles that may do ``operation``."""

    key: str
    title: str
    icon: str
    operation: Operation
    screen: ScreenFactory


PAGES: tuple[PageSpec, ...] = (
    PageSpec("schedule", "Schedule", "calendar", Operation.SCHEDULE_VIEW, ScheduleScreen),
    PageSpec("patients", "Patients", "patients", Operation.DEMOGRAPHICS_VIEW, PatientsScreen),
    PageSpec("charts", "Charts", "chart", Operation.CHART_VIEW, ChartTabs),
    PageSpec("checkin", "Check-in", "checkin", Operation.SCHEDULE_VIEW, CheckInScreen),
    PageSpec(
        "waitlist", "Waitlist & recalls", "clock", Operation.SCHEDULE_VIEW, WaitlistRecallScreen
    ),
    PageSpec(
        "schedule_settings",
        "Schedule settings",
        "calendar",
        Operation.SCHEDULE_CONFIGURE,
        ScheduleSettingsScreen,
    ),
    PageSpec(
        "templates", "Note templates", "template", Operation.TEMPLATES_MANAGE, TemplatesScreen
    ),
    PageSpec("users", "Users", "users", Operation.USER_VIEW, UsersScreen),
    PageSpec("settings", "Settings", "settings", Operation.SETTINGS_VIEW, SettingsScreen),
    PageSpec("audit", "Audit", "shield", Operation.AUDIT_VERIFY, AuditScreen),
)

#: What a page shows when its screen failed to build (the details are in the log).
BROKEN_PAGE_TEXT = (
    "This page could not be opened because of a fault in DermAI. The other pages "
    "work as usual. Please tell IT support; the details are in the application log."
)


def build_screen(factory: Callable[[], W], what: str) -> W | None:
    """``factory()``, or None when building the screen raises (logged with the screen name)."""
    try:
        return factory()
    except Exception:  # one faulty screen must not stop the window opening
        log.exception("screen %s failed to build; showing an error page", what)
        return None


# --- what the window calls on screens ------------------------------------------------------
# Shortcuts (Ctrl+F, Ctrl+N, ...) call methods; pages talk to each other through signals.


@runtime_checkable
class FindsPatients(Protocol):
    """Ctrl+F / Ctrl+N: PatientsScreen."""

    def focus_search(self) -> None: ...

    def new_patient(self) -> None: ...


@runtime_checkable
class Books(Protocol):
    """Ctrl+Shift+N, Ctrl+T and "book this patient": ScheduleScreen."""

    def new_appointment(self) -> object: ...

    def go_today(self) -> None: ...

    def book_for_patient(self, patient_id: str) -> None: ...


@runtime_checkable
class Saves(Protocol):
    """Ctrl+S: ChartScreen (the note draft), SettingsScreen, TemplatesScreen."""

    def save(self) -> None: ...


@runtime_checkable
class Refreshes(Protocol):
    """Reloads its data; called when another page changed appointments."""

    def refresh(self) -> None: ...


@runtime_checkable
class OpensCharts(Protocol):
    """Schedule, Patients, Check-in, Waitlist: ``open_chart_requested(str patient_id)``."""

    open_chart_requested: SignalInstance


@runtime_checkable
class RequestsBooking(Protocol):
    """PatientsScreen: ``book_requested(str patient_id)``."""

    book_requested: SignalInstance


@runtime_checkable
class FreesSlots(Protocol):
    """ScheduleScreen: ``offers_available(object tuple[WaitlistOffer])`` after a slot is freed."""

    offers_available: SignalInstance


@runtime_checkable
class ChangesScheduleConfig(Protocol):
    """ScheduleSettingsScreen: ``schedule_config_changed()`` after a manager saves."""

    schedule_config_changed: SignalInstance


@runtime_checkable
class ChangesTheme(Protocol):
    """SettingsScreen: ``theme_changed(str theme name)``."""

    theme_changed: SignalInstance


@runtime_checkable
class ChangesAppointments(Protocol):
    """Schedule, Check-in, Waitlist: ``appointment_changed(object ScheduleChange)``."""

    appointment_changed: SignalInstance


@runtime_checkable
class ShowsOffers(Protocol):
    """WaitlistRecallScreen: shows the waitlisted patients who fit a slot just freed."""

    def show_offers(self, offers: tuple[WaitlistOffer, ...]) -> None: ...


@dataclass(frozen=True, slots=True)
class Shortcut:
    keys: str
    text: str
    where: str = "Everywhere"


#: The shell's own shortcuts; the help screen lists these plus any a screen
#: class declares in a ``SHORTCUTS`` attribute of ``(keys, text)`` pairs.
SHELL_SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("Ctrl+F", "Find a patient"),
    Shortcut("Ctrl+N", "Register a new patient"),
    Shortcut("Ctrl+Shift+N", "Book a new appointment"),
    Shortcut("Ctrl+T", "Today's schedule"),
    Shortcut("Ctrl+S", "Save the note draft now", "Chart"),
    Shortcut("Ctrl+Shift+S", "Sign the note", "Chart"),
    Shortcut("Ctrl+W", "Close the current chart", "Chart"),
    Shortcut("Ctrl+1 … Ctrl+9", "Go to a page in the navigation list"),
    Shortcut("Ctrl+L", "Lock the workstation now"),
    Shortcut("Ctrl+Shift+P", "Change your password"),
    Shortcut("F1", "Show this list of shortcuts"),
)


def declared_shortcuts(screen: object, where: str) -> list[Shortcut]:
    """The ``SHORTCUTS`` pairs a screen class declares (none when it declares none)."""
    pairs: tuple[tuple[str, str], ...] = getattr(screen, "SHORTCUTS", ())
    return [Shortcut(keys, text, where) for keys, text in pairs]


if TYPE_CHECKING:  # mypy proves the real screens offer what the window calls on them

    def _conforms(
        *,
        patients: PatientsScreen,
        schedule: ScheduleScreen,
        checkin: CheckInScreen,
        waitlist: WaitlistRecallScreen,
        chart: ChartScreen,
        settings: SettingsScreen,
        templates: TemplatesScreen,
    ) -> tuple[object, ...]:
        finds: FindsPatients = patients
        books: Books = schedule
        saves: tuple[Saves, ...] = (chart, settings, templates)
        refreshes: tuple[Refreshes, ...] = (schedule, checkin, waitlist)
        opens: tuple[OpensCharts, ...] = (patients, schedule, checkin, waitlist)
        changes: tuple[ChangesAppointments, ...] = (schedule, checkin, waitlist)
        offers: ShowsOffers = waitlist
        signals: tuple[object, ...] = (
            _as_requests_booking(patients),
            _as_frees_slots(schedule),
            _as_changes_theme(settings),
        )
        return finds, books, saves, refreshes, opens, changes, offers, signals

    def _as_requests_booking(screen: RequestsBooking) -> object:
        return screen

    def _as_frees_slots(screen: FreesSlots) -> object:
        return screen

    def _as_changes_theme(screen: ChangesTheme) -> object:
        return screen
