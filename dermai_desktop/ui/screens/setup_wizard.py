"""First-run wizard: clinic and workstation names, first manager, then the recovery key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics, QGuiApplication, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.services.startup import ClinicSetupRequest
from dermai_desktop.ui import theme
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.screens.password_fields import NewPasswordFields
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.forms import button, line_edit, muted_label

if TYPE_CHECKING:
    from dermai_desktop.services.startup import ClinicGate, UnlockedClinic

WELCOME, CLINIC, MANAGER, CREATING, RECOVERY = range(5)


def format_recovery_key(key: str) -> str:
    """Groups of four, four groups a line, so it can be read back and typed without slips."""
    groups = [g for g in key.replace(" ", "-").split("-") if g]
    if len(groups) <= 1:
        compact = key.replace("-", "").replace(" ", "")
        groups = [compact[i : i + 4] for i in range(0, len(compact), 4)]
    lines = ["  ".join(groups[i : i + 4]) for i in range(0, len(groups), 4)]
    return "\n".join(lines)


class _WelcomePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Welcome to DermAI Desktop")
        self.setSubTitle("Set up this clinic in three short steps.")
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        for text in (
            "1.  Name the clinic and this workstation.",
            "2.  Create the first clinic manager account. The manager adds everyone else.",
            "3.  Store the recovery key. It is the only way into the clinic's data if this "
            "computer's keychain is lost, so print it or write it down.",
        ):
            layout.addWidget(muted_label(text))
        layout.addSpacing(8)
        layout.addWidget(
            muted_label(
                "Patient data is stored encrypted on this computer. Nothing is sent anywhere."
            )
        )
        layout.addStretch(1)


class _ClinicPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Clinic and workstation")
        self.setSubTitle("These names appear on every screen and in the audit trail.")
        form = QFormLayout(self)
        form.setSpacing(12)
        self.clinic_edit = line_edit("Clinic name", placeholder="e.g. Harbour Dermatology")
        self.workstation_edit = line_edit("Workstation name", placeholder="e.g. Room 2")
        form.addRow("Clinic name", self.clinic_edit)
        form.addRow("Workstation name", self.workstation_edit)
        form.addRow("", muted_label("Use a name that tells colleagues where this computer is."))
        # Mandatory fields ("*") gate Next; see the note on _CreatingPage about isComplete.
        self.registerField("clinic_name*", self.clinic_edit)
        self.registerField("workstation_name*", self.workstation_edit)


class _ManagerPage(QWizardPage):
    """Collects the first manager; the gate checks it off-thread before moving on."""

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self._validated: ClinicSetupRequest | None = None
        self._checking = False
        self.setTitle("First clinic manager")
        self.setSubTitle("The manager adds the other users and looks after clinic settings.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Create clinic")
        form = QFormLayout(self)
        form.setSpacing(10)
        self.username_edit = line_edit("Manager user name", placeholder="e.g. jsmith")
        self.full_name_edit = line_edit("Manager full name", placeholder="e.g. Jane Smith")
        form.addRow("User name", self.username_edit)
        form.addRow("Full name", self.full_name_edit)
        self.password_fields = NewPasswordFields(form, "Password")
        self.status = InlineStatus()
        form.addRow("", self.status)
        self.registerField("manager_username*", self.username_edit)
        self.registerField("manager_full_name*", self.full_name_edit)
        self.registerField("manager_password*", self.password_fields.password_edit)
        for edit in (self.username_edit, self.full_name_edit):
            edit.textChanged.connect(self._edited)
        self.password_fields.edited.connect(self._edited)

    def _edited(self) -> None:
        self._validated = None
        self.status.clear_message()

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        request = self._wizard.request()
        if self._validated == request:
            return True
        if self._checking:  # a check is already running; its result moves the wizard on
            return False
        problem = self.password_fields.problem()
        if problem:
            self.status.show_error(problem)
            return False
        self._checking = True
        self.status.show_info("Checking…")
        self._wizard.tasks.run(
            lambda: self._wizard.gate.validate_setup(request),
            on_success=lambda _r: self._on_valid(request),
            on_error=self._on_invalid,
            owner=self,
        )
        return False

    def _on_valid(self, request: ClinicSetupRequest) -> None:
        self._checking = False
        self._validated = request
        self.status.clear_message()
        self._wizard.next()

    def _on_invalid(self, exc: BaseException) -> None:
        self._checking = False
        if isinstance(exc, ExpectedError):
            self.status.show_expected(exc)
        else:
            self.status.clear_message()
            self._wizard.tasks.report(exc)


class _CreatingPage(QWizardPage):
    """Runs create_clinic off-thread; a hidden mandatory field holds Next until it is done.

    No page here overrides ``isComplete``: with PySide6 6.12 a Python override
    returning True drops a reference to ``True`` on every call, which crashes
    the interpreter at exit. Mandatory fields give the same gating in C++.
    """

    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self._created_flag = QLineEdit()
        self._created_flag.hide()
        self.registerField("clinic_created*", self._created_flag)
        self.setTitle("Creating the clinic")
        self.setSubTitle("Making the encryption keys and the clinic database.")
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # indeterminate: key derivation gives no progress
        self.progress.setAccessibleName("Creating the clinic")
        self.progress.setTextVisible(False)
        layout.addWidget(self.progress)
        self.label = muted_label("This takes a few seconds.")
        layout.addWidget(self.label)
        self.status = InlineStatus()
        layout.addWidget(self.status)
        self.retry_button = button("Try again")
        self.retry_button.hide()
        self.retry_button.clicked.connect(self._start)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self._start()

    def _start(self) -> None:
        self.retry_button.hide()
        self.status.clear_message()
        self.progress.setRange(0, 0)
        request = self._wizard.request()
        self._wizard.tasks.run(
            lambda: self._wizard.gate.create_clinic(request),
            on_success=self._on_created,
            on_error=self._on_failed,
            pool="io",
            owner=self,
        )

    def _on_created(self, result: tuple[str, UnlockedClinic]) -> None:
        recovery_key, clinic = result
        self._wizard.recovery_key = recovery_key
        self._wizard.clinic = clinic
        self._created_flag.setText("yes")
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self._wizard.next()

    def _on_failed(self, exc: BaseException) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        if isinstance(exc, ExpectedError):
            self.status.show_expected(exc)
        else:
            self.status.show_error("The clinic could not be created.")
            self._wizard.tasks.report(exc)
        self.retry_button.show()


class _RecoveryPage(QWizardPage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Store the recovery key")
        self.setSubTitle(
            "If this computer's keychain is ever lost, this key is the only way to open the "
            "clinic's data. It is shown only now."
        )
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        self.key_label = QLabel()
        self.key_label.setObjectName("recoveryKey")
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_label.setAccessibleName("Recovery key")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(17)
        font.setWeight(QFont.Weight.DemiBold)
        self.key_label.setFont(font)
        layout.addWidget(self.key_label)
        row = QHBoxLayout()
        self.print_button = button("Print…", "Print the recovery key")
        self.print_button.setIcon(theme.icon("print"))
        self.copy_button = button("Copy", "Copy the recovery key")
        self.copy_button.setIcon(theme.icon("copy"))
        for widget in (self.print_button, self.copy_button):
            widget.setAutoDefault(False)  # Enter must not print; Finish is the default action
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
        self.status = InlineStatus()
        layout.addWidget(self.status)
        layout.addWidget(
            muted_label(
                "Keep it somewhere safe away from this computer, such as the clinic safe. "
                "Anyone with this key and a copy of the database can read patient data."
            )
        )
        self.stored_check = QCheckBox("I have stored the recovery key in a safe place")
        self.stored_check.setAccessibleName("I have stored the recovery key in a safe place")
        layout.addWidget(self.stored_check)
        layout.addStretch(1)
        self.registerField("recovery_key_stored*", self.stored_check)
        self.print_button.clicked.connect(self.print_key)
        self.copy_button.clicked.connect(self.copy_key)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.key_label.setText(format_recovery_key(self._wizard.recovery_key))

    def copy_key(self) -> None:
        QGuiApplication.clipboard().setText(self._wizard.recovery_key)
        self.status.show_info("Copied. Paste it into your password manager, then clear it.")

    def print_key(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print recovery key")
        if dialog.exec() != QPrintDialog.DialogCode.Accepted:
            return
        document = QTextDocument()
        document.setHtml(self._wizard.recovery_sheet_html())
        document.print_(printer)
        self.status.show_info("Sent to the printer. Check the page before filing it.")


_LABELLED_BUTTONS = (
    QWizard.WizardButton.BackButton,
    QWizard.WizardButton.NextButton,
    QWizard.WizardButton.CommitButton,
    QWizard.WizardButton.FinishButton,
    QWizard.WizardButton.CancelButton,
)


class SetupWizard(QWizard):
    """The first-run wizard. ``clinic`` holds the unlocked clinic after it is created.

    Signals:
        clinic_created(UnlockedClinic, str): the clinic and its first manager's user name,
            emitted when the user finishes the wizard.
    """

    clinic_created = Signal(object, str)

    def __init__(self, gate: ClinicGate, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gate = gate
        self.tasks = tasks
        self.recovery_key = ""
        self.clinic: UnlockedClinic | None = None
        self.setWindowTitle("Set up DermAI Desktop")
        self.setAccessibleName("Clinic set-up")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, theme.pixmap("logo", 48))
        self.welcome_page = _WelcomePage()
        self.clinic_page = _ClinicPage()
        self.manager_page = _ManagerPage(self)
        self.creating_page = _CreatingPage(self)
        self.recovery_page = _RecoveryPage(self)
        for page_id, page in enumerate(
            (
                self.welcome_page,
                self.clinic_page,
                self.manager_page,
                self.creating_page,
                self.recovery_page,
            )
        ):
            self.setPage(page_id, page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Finish and sign in")
        self._fit_buttons_to_labels()
        self.accepted.connect(self._on_finished)
        self.resize(760, 560)

    def request(self) -> ClinicSetupRequest:
        page = self.manager_page
        return ClinicSetupRequest(
            clinic_name=self.clinic_page.clinic_edit.text().strip(),
            workstation_name=self.clinic_page.workstation_edit.text().strip(),
            manager_username=page.username_edit.text().strip(),
            manager_full_name=page.full_name_edit.text().strip(),
            manager_password=page.password_fields.password(),
        )

    def recovery_sheet_html(self) -> str:
        clinic_name = self.clinic.clinic_name if self.clinic else ""
        key = format_recovery_key(self.recovery_key).replace("\n", "<br>")
        return (
            "<h1>DermAI Desktop — clinic recovery key</h1>"
            f"<p>Clinic: <b>{clinic_name}</b></p>"
            f"<p style='font-family: monospace; font-size: 20pt'>{key}</p>"
            "<p>Keep this sheet in a safe place. It opens the clinic's encrypted data if the "
            "workstation keychain is lost. Letters O and I are never used.</p>"
        )

    def reject(self) -> None:
        # After the clinic exists, leaving without seeing the key would lose it for good.
        if self.clinic is not None and not self.recovery_page.stored_check.isChecked():
            return
        super().reject()

    def _fit_buttons_to_labels(self) -> None:
        """QWizard sizes its shared buttons for "Next >"; longer labels were clipped."""
        for which in _LABELLED_BUTTONS:
            push = self.button(which)
            labels = [self.buttonText(which)]
            labels += [self.page(pid).buttonText(which) for pid in self.pageIds()]
            bold = QFont(push.font())
            bold.setBold(True)  # the theme draws the primary button's label in bold
            metrics = QFontMetrics(bold)
            widest = max(metrics.horizontalAdvance(text.replace("&", "")) for text in labels)
            push.setMinimumWidth(widest + 56)  # the theme's horizontal padding and border

    def _on_finished(self) -> None:
        if self.clinic is not None:
            emit(self.clinic_created, self.clinic, self.request().manager_username)
