"""The main window shell: navigation by role, pages, shortcuts, status bar, lock and idle lock.

The pages and their screen classes are listed in ``shell_pages.PAGES``. After
building them the window connects the pages to each other in one place
(``_connect_pages``): opening charts, booking a patient, refreshing the
appointment pages after a change, and offering a freed slot to the waitlist.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.roles import Operation
from dermai_desktop.services.schedule_dto import WaitlistOffer
from dermai_desktop.ui import shell_pages as sp
from dermai_desktop.ui import theme
from dermai_desktop.ui.chart_tabs import ChartTabs
from dermai_desktop.ui.idle import IdleWatcher
from dermai_desktop.ui.screens.change_password_dialog import ChangePasswordDialog
from dermai_desktop.ui.screens.chart_screen import ChartScreen
from dermai_desktop.ui.screens.help_screen import HelpScreen
from dermai_desktop.ui.screens.lock_screen import LockScreen
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.empty_state import EmptyState
from dermai_desktop.ui.widgets.forms import button


class MainWindow(QMainWindow):
    """One signed-in session's window. Discarded (never reused) when the user changes.

    Signals:
        sign_out_requested(): the user chose Sign out.
        switch_user_requested(): someone else wants to sign in (from the lock screen).
        close_requested(): the window's close button was used.
    """

    sign_out_requested = Signal()
    switch_user_requested = Signal()
    close_requested = Signal()

    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._tasks = tasks
        self._locked = False
        self._discarded = False
        self.dialog: QDialog | None = None
        self.setWindowTitle(f"DermAI Desktop — {session.clinic.clinic_name}")
        self.setWindowIcon(theme.icon("logo"))
        self.setMinimumSize(960, 620)

        self.pages: dict[str, QWidget] = {}
        self.charts: ChartTabs | None = None
        self._nav_icons: list[str] = []
        self.root = QStackedWidget()
        self.shell = QWidget()
        self.lock_screen = LockScreen(session, tasks)
        self.root.addWidget(self.shell)
        self.root.addWidget(self.lock_screen)
        self.setCentralWidget(self.root)

        shell_layout = QHBoxLayout(self.shell)
        shell_layout.setContentsMargins(0, 0, 0, 0)
        shell_layout.setSpacing(0)
        self.nav = QListWidget()
        self.page_stack = QStackedWidget()
        self.page_stack.setObjectName("pages")
        shell_layout.addWidget(self._sidebar())
        shell_layout.addWidget(self.page_stack, 1)
        self._build_pages()

        self._build_actions()
        self._build_status_bar()

        self.idle = IdleWatcher(max(session.idle_lock_minutes, 1) * 60_000, self)
        self.idle.idle_timeout.connect(self.lock)
        self.lock_screen.unlocked.connect(self._on_unlocked)
        self.lock_screen.switch_user_requested.connect(self.switch_user_requested)
        self.nav.currentRowChanged.connect(self.page_stack.setCurrentIndex)
        # A click on Patients means "I am about to type a name": put the caret there.
        self.nav.itemClicked.connect(lambda _item: self._focus_after_click())
        self.nav.setCurrentRow(0)
        self.idle.start()
        self.resize(1280, 800)

    # --- construction ------------------------------------------------------------------

    def _sidebar(self) -> QFrame:
        sidebar = QFrame()
        sidebar.setObjectName("sidebar")
        sidebar.setFixedWidth(236)
        layout = QVBoxLayout(sidebar)
        layout.setContentsMargins(0, 22, 0, 18)
        layout.setSpacing(6)

        brand_row = QHBoxLayout()
        brand_row.setContentsMargins(20, 0, 20, 0)
        logo = QLabel()
        logo.setPixmap(theme.pixmap("logo", 36))
        logo.setAccessibleName("DermAI logo")
        brand_row.addWidget(logo)
        names = QVBoxLayout()
        names.setSpacing(0)
        brand = QLabel("DermAI")
        brand.setObjectName("brand")
        clinic = QLabel(self.session.clinic.clinic_name)
        clinic.setObjectName("brandSub")
        clinic.setWordWrap(True)
        names.addWidget(brand)
        names.addWidget(clinic)
        brand_row.addLayout(names, 1)
        layout.addLayout(brand_row)
        layout.addSpacing(18)

        self.nav.setObjectName("navList")
        self.nav.setAccessibleName("Navigation")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.nav, 1)

        layout.addLayout(self._user_box())
        return sidebar

    def _user_box(self) -> QVBoxLayout:
        user_box = QVBoxLayout()
        user_box.setContentsMargins(20, 0, 20, 0)
        user_box.setSpacing(2)
        name = QLabel(self.session.full_name)
        name.setObjectName("sidebarUserName")
        name.setWordWrap(True)
        role = QLabel(self.session.role.label)
        role.setObjectName("sidebarRole")
        user_box.addWidget(name)
        user_box.addWidget(role)
        user_box.addSpacing(10)
        sidebar_text = theme.token("sidebar_text")
        self.sidebar_lock_button = button("Lock", "Lock the workstation")
        self.sidebar_lock_button.setIcon(theme.icon("lock", sidebar_text))
        self.sign_out_button = button("Sign out")
        self.sign_out_button.setIcon(theme.icon("logout", sidebar_text))
        user_box.addWidget(self.sidebar_lock_button)
        user_box.addWidget(self.sign_out_button)
        self.sidebar_lock_button.clicked.connect(self.lock)
        self.sign_out_button.clicked.connect(self.sign_out_requested)
        return user_box

    def _build_pages(self) -> None:
        sidebar_text = theme.token("sidebar_text")
        for spec in sp.PAGES:
            if not self.session.may(spec.operation):
                continue
            page = self._make_page(spec)
            page.setObjectName("page")
            self.pages[spec.key] = page
            self.page_stack.addWidget(page)
            item = QListWidgetItem(theme.icon(spec.icon, sidebar_text), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, spec.title)
            item.setToolTip(f"{spec.title} (Ctrl+{self.nav.count() + 1})")
            self.nav.addItem(item)
            self._nav_icons.append(spec.icon)
        self.nav.installEventFilter(self)
        self._connect_pages()

    def _make_page(self, spec: sp.PageSpec) -> QWidget:
        """The page's screen, or a plain error page when building it raises (logged)."""
        screen = sp.build_screen(lambda: spec.screen(self.session, self._tasks), spec.key)
        if screen is None:
            return EmptyState("warning", f"{spec.title} could not be opened", sp.BROKEN_PAGE_TEXT)
        if isinstance(screen, ChartTabs):
            self.charts = screen
            screen.message.connect(self._say)
        return screen

    def _connect_pages(self) -> None:
        """How the pages talk to each other (each page only emits; the window connects)."""
        for page in self.pages.values():
            if isinstance(page, sp.OpensCharts):  # Schedule, Patients, Check-in, Waitlist
                page.open_chart_requested.connect(self.open_chart)
            if isinstance(page, sp.ChangesAppointments):  # keep the other boards current
                page.appointment_changed.connect(
                    lambda _change, source=page: self._appointments_changed(source)
                )
            if isinstance(page, sp.RequestsBooking):  # Patients: "Book…"
                page.book_requested.connect(self.book_for_patient)
            if isinstance(page, sp.FreesSlots):  # Schedule: a cancel/move freed a slot
                page.offers_available.connect(self.offer_freed_slot)
            if isinstance(page, sp.ChangesTheme):  # Settings
                page.theme_changed.connect(self._apply_theme)
            if isinstance(page, sp.ChangesScheduleConfig):  # new types, hours, holidays
                page.schedule_config_changed.connect(
                    lambda source=page: self._appointments_changed(source)
                )
        if self.charts is not None:  # a chart's "Book follow-up"; its Close is handled there
            self.charts.book_follow_up_requested.connect(self.book_for_patient)

    def _action(
        self, text: str, keys: str, slot: Callable[[], object], icon: str | None = None
    ) -> QAction:
        action = QAction(theme.icon(icon) if icon else QIcon(), text, self)
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(lambda _=False: slot())
        self.addAction(action)  # works with the menu bar hidden or the focus anywhere
        return action

    def _build_actions(self) -> None:
        go_menu = self.menuBar().addMenu("&Go")
        self.find_patient_action = self._action("&Find a patient", "Ctrl+F", self.find_patient)
        self.new_patient_action = self._action("&New patient…", "Ctrl+N", self.new_patient, "plus")
        self.new_appointment_action = self._action(
            "New &appointment…", "Ctrl+Shift+N", self.new_appointment, "calendar"
        )
        self.today_action = self._action("&Today", "Ctrl+T", self.go_today)
        for action in (self.find_patient_action, self.new_patient_action):
            go_menu.addAction(action)
        go_menu.addAction(self.new_appointment_action)
        go_menu.addAction(self.today_action)

        chart_menu = self.menuBar().addMenu("&Chart")
        self.save_action = self._action("&Save draft", "Ctrl+S", self.save_current)
        self.sign_action = self._action("S&ign note…", "Ctrl+Shift+S", self.sign_current)
        self.close_chart_action = self._action("&Close chart", "Ctrl+W", self.close_chart)
        for action in (self.save_action, self.sign_action, self.close_chart_action):
            chart_menu.addAction(action)
        chart_menu.menuAction().setVisible("charts" in self.pages)

        session_menu = self.menuBar().addMenu("&Session")
        self.lock_action = QAction(theme.icon("lock"), "&Lock", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.lock_action.triggered.connect(self.lock)
        self.password_action = QAction(theme.icon("key"), "Change &password…", self)
        self.password_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.password_action.triggered.connect(self.open_change_password)
        self.switch_action = QAction(theme.icon("users"), "Sign in as &someone else…", self)
        self.switch_action.triggered.connect(self.switch_user_requested)
        self.sign_out_action = QAction(theme.icon("logout"), "Sign &out", self)
        self.sign_out_action.triggered.connect(self.sign_out_requested)
        for action in (self.lock_action, self.password_action, self.switch_action):
            session_menu.addAction(action)
        session_menu.addSeparator()
        session_menu.addAction(self.sign_out_action)

        self.nav_actions: list[QAction] = []
        for index in range(min(self.nav.count(), 9)):
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _=False, row=index: self._go_row(row))
            self.addAction(action)
            self.nav_actions.append(action)

        help_menu = self.menuBar().addMenu("&Help")
        self.help_action = QAction(theme.icon("help"), "Keyboard &shortcuts", self)
        self.help_action.setShortcut(QKeySequence("F1"))
        self.help_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.help_action)
        self.work_actions = (
            self.find_patient_action,
            self.new_patient_action,
            self.new_appointment_action,
            self.today_action,
            self.save_action,
            self.sign_action,
            self.close_chart_action,
            self.help_action,
        )

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        user = QLabel(self.session.full_name)
        user.setObjectName("statusUser")
        user.setAccessibleName("Signed-in user")
        role = QLabel(self.session.role.label)
        role.setAccessibleName("Role")
        workstation = QLabel(f"Workstation: {self.session.clinic.workstation_name}")
        workstation.setAccessibleName("Workstation")
        self.status_lock_button = QToolButton()
        self.status_lock_button.setIcon(theme.icon("lock"))
        self.status_lock_button.setText("Lock")
        self.status_lock_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.status_lock_button.setAccessibleName("Lock the workstation")
        self.status_lock_button.setToolTip("Lock now (Ctrl+L)")
        self.status_lock_button.clicked.connect(self.lock)
        for widget in (user, role, workstation):
            bar.addWidget(widget)
        self.demo_label: QLabel | None = None
        if self.session.clinic.is_demo:
            demo = QLabel("Demo clinic — not for patient data")
            demo.setAccessibleName("Demo clinic")
            demo.setStyleSheet(f"color: {theme.token('warning')}; font-weight: 600;")
            bar.addPermanentWidget(demo)
            self.demo_label = demo
        bar.addPermanentWidget(self.status_lock_button)

    # --- navigation ---------------------------------------------------------------------

    def show_page(self, key: str) -> bool:
        row = self._nav_row(key)
        if row >= 0:
            self.nav.setCurrentRow(row)
        return row >= 0

    def current_page_key(self) -> str | None:
        item = self.nav.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _go_row(self, row: int) -> None:
        self.nav.setCurrentRow(row)
        self.focus_page()

    def focus_page(self) -> bool:
        """Put the keyboard focus on the first control of the page in front."""
        page = self.page_stack.currentWidget()
        if page is None:
            return False
        widget = page.nextInFocusChain()
        for _ in range(2000):  # the chain is a ring; stop after one lap at most
            if widget is None or widget is page:
                break
            if (
                page.isAncestorOf(widget)
                and widget.isVisible()
                and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            ):
                widget.setFocus(Qt.FocusReason.TabFocusReason)
                return True
            widget = widget.nextInFocusChain()
        page.setFocus(Qt.FocusReason.TabFocusReason)
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        # Tab from the navigation goes into the page, not to the sidebar's buttons below it.
        if (
            watched is self.nav
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Tab
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            return self.focus_page()
        return super().eventFilter(watched, event)

    def _say(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def _page_screen(self, key: str, not_allowed: str) -> QWidget | None:
        """Show page ``key`` and return its screen; explain plainly when there is none."""
        if key not in self.pages:
            self._say(not_allowed)
            return None
        self.show_page(key)
        page = self.pages[key]
        if isinstance(page, EmptyState):
            self._say(f"{page.title_label.text()}. Please tell IT support.")
            return None
        return page

    def _focus_after_click(self) -> None:
        if self.current_page_key() == "patients":
            self.find_patient()
        else:
            self.focus_page()

    # --- frequent actions (shortcuts) ----------------------------------------------------

    def find_patient(self) -> bool:
        """Ctrl+F: the patient search box, ready to type."""
        screen = self._page_screen("patients", "Patient search is not part of your role.")
        if screen is None or not isinstance(screen, sp.FindsPatients):
            return False
        screen.focus_search()
        return True

    def new_patient(self) -> bool:
        """Ctrl+N: register a new patient."""
        if not self.session.may(Operation.PATIENT_REGISTER):
            self._say("Registering patients is for the front desk and clinicians.")
            return False
        screen = self._page_screen("patients", "Patient registration is not part of your role.")
        if screen is None or not isinstance(screen, sp.FindsPatients):
            return False
        screen.new_patient()
        return True

    def new_appointment(self) -> bool:
        """Ctrl+Shift+N: book an appointment."""
        if not self.session.may(Operation.SCHEDULE_EDIT):
            self._say("Booking appointments is not part of your role.")
            return False
        screen = self._page_screen("schedule", "The schedule is not part of your role.")
        if screen is None or not isinstance(screen, sp.Books):
            return False
        screen.new_appointment()
        return True

    def go_today(self) -> bool:
        """Ctrl+T: the schedule, on today."""
        screen = self._page_screen("schedule", "The schedule is not part of your role.")
        if screen is None or not isinstance(screen, sp.Books):
            return False
        screen.go_today()
        return True

    def book_for_patient(self, patient_id: str) -> bool:
        """Book ``patient_id`` on the schedule ("Book" on Patients, "Book follow-up" in a chart)."""
        screen = self._page_screen("schedule", "Booking appointments is not part of your role.")
        if screen is None or not isinstance(screen, sp.Books):
            return False
        screen.book_for_patient(patient_id)
        return True

    def _appointments_changed(self, source: QWidget) -> None:
        """An appointment page changed something: the others reload what they show."""
        for key in ("schedule", "checkin", "waitlist"):
            page = self.pages.get(key)
            if page is not None and page is not source and isinstance(page, sp.Refreshes):
                page.refresh()

    def offer_freed_slot(self, offers: tuple[WaitlistOffer, ...]) -> None:
        """A change on the schedule freed a slot that waitlisted patients fit.

        The front desk is usually on the phone with the patient who cancelled, so the
        schedule stays in front; the Waitlist page gets the offers ready (explained, the
        best one selected) and the status bar says how to get there.
        """
        waitlist = self.pages.get("waitlist")
        if waitlist is None or not isinstance(waitlist, sp.ShowsOffers) or not offers:
            return
        waitlist.show_offers(offers)
        count = len(offers)
        row = self._nav_row("waitlist")
        keys = f" (Ctrl+{row + 1})" if 0 <= row < 9 else ""
        self._say(
            f"{count} waitlisted patient{'s' if count > 1 else ''} could take the freed slot. "
            f"Open Waitlist & recalls{keys} to offer it."
        )

    def _nav_row(self, key: str) -> int:
        rows = range(self.nav.count())
        return next((r for r in rows if self.nav.item(r).data(Qt.ItemDataRole.UserRole) == key), -1)

    def open_chart(self, patient_id: str) -> QWidget | None:
        """Open (or bring forward) ``patient_id``'s chart as a tab on the Charts page."""
        if self.charts is None:
            self._say("Charts are for clinicians; your role opens the patient's details.")
            return None
        screen = self.charts.open_chart(patient_id)
        if screen is not None:
            self.show_page("charts")
            screen.setFocus(Qt.FocusReason.OtherFocusReason)
        return screen

    def _chart_in_front(self) -> ChartScreen | None:
        if self.charts is None or self.current_page_key() != "charts":
            return None
        return self.charts.current_screen()

    def save_current(self) -> bool:
        """Ctrl+S: save the draft of the chart in front (the chart also autosaves)."""
        screen = self._chart_in_front() or self.page_stack.currentWidget()
        if screen is not None and isinstance(
            screen, sp.Saves
        ):  # the chart's draft; Settings and Templates too
            screen.save()
            return True
        self._say("Nothing to save here. Notes are saved from an open chart.")
        return False

    def sign_current(self) -> bool:
        """Ctrl+Shift+S: sign the note of the chart in front (it asks to confirm)."""
        chart = self._chart_in_front()
        if chart is not None:
            chart.sign()
            return True
        self._say("Open a chart with a draft note to sign it.")
        return False

    def close_chart(self) -> bool:
        chart = self._chart_in_front()
        return chart is not None and self.charts is not None and self.charts.close_current()

    # --- locking ------------------------------------------------------------------------

    @property
    def is_locked(self) -> bool:
        return self._locked

    def lock(self) -> None:
        """Hide every page behind the lock screen and tell the auth service (audited)."""
        if self._locked or self._discarded:
            return
        self._locked = True
        self.idle.stop()
        # Dialogs are separate windows: close them so no patient data stays on screen.
        for dialog in self.findChildren(QDialog):
            if dialog.isVisible():
                dialog.reject()
        self.root.setCurrentWidget(self.lock_screen)
        self._set_session_actions_enabled(False)
        self.lock_screen.reset()
        actor = self.session.actor
        auth = self.session.services.auth
        self._tasks.run(lambda: auth.lock_session(actor), on_success=lambda _r: None)

    def _on_unlocked(self) -> None:
        self._locked = False
        self.root.setCurrentWidget(self.shell)
        self._set_session_actions_enabled(True)
        self.nav.setFocus()
        self.idle.start()

    def _set_session_actions_enabled(self, enabled: bool) -> None:
        # While locked only the lock screen's own controls work; nothing reaches the pages.
        for action in (
            self.lock_action,
            self.password_action,
            *self.nav_actions,
            *self.work_actions,
        ):
            action.setEnabled(enabled)
        self.menuBar().setEnabled(enabled)
        self.status_lock_button.setEnabled(enabled)

    # --- dialogs ------------------------------------------------------------------------

    def open_change_password(self) -> ChangePasswordDialog | None:
        if self._locked:
            return None
        dialog = ChangePasswordDialog(self.session, self._tasks, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.password_changed.connect(
            lambda: self.statusBar().showMessage("Your password was changed.", 8000)
        )
        self.dialog = dialog
        dialog.open()
        return dialog

    def shortcuts(self) -> list[sp.Shortcut]:
        """The shell's shortcuts and those each of this role's screens declares."""
        found = list(sp.SHELL_SHORTCUTS)
        seen = {(s.keys, s.text) for s in found}
        places: list[tuple[object, str]] = [
            (self.pages[spec.key], spec.title) for spec in sp.PAGES if spec.key in self.pages
        ]
        if self.charts is not None:
            places.append((self.charts.chart_factory, "Chart"))
        for screen, where in places:
            for shortcut in sp.declared_shortcuts(screen, where):
                if (shortcut.keys, shortcut.text) not in seen:
                    seen.add((shortcut.keys, shortcut.text))
                    found.append(shortcut)
        return found

    def show_shortcuts(self) -> HelpScreen:
        """F1: the help screen listing every shortcut."""
        dialog = HelpScreen(self.shortcuts(), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _apply_theme(self, name: str) -> None:
        """Switch light/dark live: style sheet, palette, and the icons drawn in theme colours."""
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            return
        theme.apply_theme(app, name)
        sidebar_text = theme.token("sidebar_text")
        for row, icon_name in enumerate(self._nav_icons):
            self.nav.item(row).setIcon(theme.icon(icon_name, sidebar_text))
        self.sidebar_lock_button.setIcon(theme.icon("lock", sidebar_text))
        self.sign_out_button.setIcon(theme.icon("logout", sidebar_text))
        self.status_lock_button.setIcon(theme.icon("lock"))
        if self.demo_label is not None:
            self.demo_label.setStyleSheet(f"color: {theme.token('warning')}; font-weight: 600;")

    # --- lifetime -----------------------------------------------------------------------

    def discard(self) -> None:
        """End this window for good: stop the idle timer, drop pages, delete it."""
        self._discarded = True
        self.idle.stop()
        self.hide()
        self.deleteLater()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self._discarded:
            event.accept()
            return
        event.ignore()
        emit(self.close_requested)
