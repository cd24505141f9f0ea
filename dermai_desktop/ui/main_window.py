"""The main window shell: navigation by role, pages, status bar, lock screen and idle lock."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.roles import Operation
from dermai_desktop.ui import theme
from dermai_desktop.ui.idle import IdleWatcher
from dermai_desktop.ui.screens.audit_screen import AuditScreen
from dermai_desktop.ui.screens.change_password_dialog import ChangePasswordDialog
from dermai_desktop.ui.screens.lock_screen import LockScreen
from dermai_desktop.ui.screens.settings_screen import SettingsScreen
from dermai_desktop.ui.screens.users_screen import UsersScreen
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.empty_state import EmptyState
from dermai_desktop.ui.widgets.forms import button

SHORTCUTS = (
    ("Ctrl+L", "Lock the workstation now"),
    ("Ctrl+Shift+P", "Change your password"),
    ("Ctrl+1 … Ctrl+6", "Go to a page in the navigation list"),
    ("F1", "Show these shortcuts"),
)


@dataclass(frozen=True, slots=True)
class PageSpec:
    key: str
    title: str
    icon: str
    operation: Operation


PAGES = (
    PageSpec("schedule", "Schedule", "calendar", Operation.DEMOGRAPHICS_VIEW),
    PageSpec("patients", "Patients", "patients", Operation.DEMOGRAPHICS_VIEW),
    PageSpec("chart", "Chart", "chart", Operation.CHART_VIEW),
    PageSpec("users", "Users", "users", Operation.USER_VIEW),
    PageSpec("settings", "Settings", "settings", Operation.SETTINGS_VIEW),
    PageSpec("audit", "Audit", "shield", Operation.AUDIT_VERIFY),
)

COMING = {
    "schedule": (
        "Schedule",
        "The schedule arrives in the next release. Appointments will be booked and "
        "checked in here.",
    ),
    "patients": (
        "Patients",
        "Patient registration and search arrive in the next release. Until then no "
        "patient records can be opened on this workstation.",
    ),
    "chart": (
        "Chart",
        "The clinical chart — visit notes, lesions and images — arrives in a coming "
        "release. Open a patient from the Patients page once it is available.",
    ),
}


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
        for spec in PAGES:
            if not self.session.may(spec.operation):
                continue
            page = self._make_page(spec)
            page.setObjectName("page")
            self.pages[spec.key] = page
            self.page_stack.addWidget(page)
            item = QListWidgetItem(theme.icon(spec.icon, sidebar_text), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, spec.title)
            self.nav.addItem(item)

    def _make_page(self, spec: PageSpec) -> QWidget:
        if spec.key == "users":
            return UsersScreen(self.session, self._tasks)
        if spec.key == "settings":
            screen = SettingsScreen(self.session, self._tasks)
            screen.theme_changed.connect(self._apply_theme)
            return screen
        if spec.key == "audit":
            return AuditScreen(self.session, self._tasks)
        title, text = COMING[spec.key]
        return EmptyState(spec.icon, title, text)

    def _build_actions(self) -> None:
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
        for index in range(self.nav.count()):
            action = QAction(self)
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _=False, row=index: self.nav.setCurrentRow(row))
            self.addAction(action)
            self.nav_actions.append(action)

        help_menu = self.menuBar().addMenu("&Help")
        self.help_action = QAction(theme.icon("help"), "Keyboard &shortcuts", self)
        self.help_action.setShortcut(QKeySequence("F1"))
        self.help_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.help_action)

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
        if self.session.clinic.is_demo:
            demo = QLabel("Demo clinic — not for patient data")
            demo.setAccessibleName("Demo clinic")
            demo.setStyleSheet(f"color: {theme.token('warning')}; font-weight: 600;")
            bar.addPermanentWidget(demo)
        bar.addPermanentWidget(self.status_lock_button)

    # --- navigation ---------------------------------------------------------------------

    def show_page(self, key: str) -> bool:
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(row)
                return True
        return False

    def current_page_key(self) -> str | None:
        item = self.nav.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

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
        for action in (self.lock_action, self.password_action, *self.nav_actions):
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

    def show_shortcuts(self) -> None:
        rows = "".join(
            f"<tr><td style='padding-right:18px'><b>{keys}</b></td><td>{text}</td></tr>"
            for keys, text in SHORTCUTS
        )
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", "", parent=self)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(f"<table>{rows}</table>")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setAccessibleName("Keyboard shortcuts")
        self.dialog = box
        box.open()

    def _apply_theme(self, name: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, name)

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
