"""Note templates: managers write, edit, retire and reset the SOAP templates clinicians pick."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.chart_lists import (
    ChartListValidationFailed,
    NoteTemplate,
    TemplateDraft,
    TemplateSource,
)
from dermai_desktop.domain.errors import ExpectedError
from dermai_desktop.domain.roles import Operation
from dermai_desktop.ui import theme
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.chart_common import (
    SECTIONS,
    SUBTITLE_ROLE,
    TwoLineDelegate,
    fmt_datetime,
)
from dermai_desktop.ui.widgets.forms import button, muted_label, set_invalid, title_label


class TemplatesScreen(QWidget):
    """List on the left, the chosen template's text on the right.

    Signals:
        templates_changed(): a template was created, saved, retired, restored or reset.
    """

    templates_changed = Signal()

    def __init__(self, session: Session, tasks: TaskRunner, parent: QWidget | None = None) -> None:  # noqa: PLR0915 - one widget's layout, read top to bottom
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self._service = session.services.templates
        self._can_manage = session.may(Operation.TEMPLATES_MANAGE)
        self.templates: list[NoteTemplate] = []
        self.current: NoteTemplate | None = None  # None while writing a new one
        self.setObjectName("page")
        self.setAccessibleName("Note templates")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 24)
        layout.setSpacing(12)
        layout.addWidget(title_label("Note templates"))
        layout.addWidget(
            muted_label(
                "The SOAP prompts clinicians insert into a visit note. Changes apply to new "
                "notes only; notes already written keep their text."
                if self._can_manage
                else "Only a clinic manager can change templates."
            )
        )
        self.status = InlineStatus()
        layout.addWidget(self.status)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 12, 0)
        left_layout.setSpacing(8)
        self.new_button = button("New template", "New template", role="primary")
        self.new_button.setIcon(theme.icon("plus", "#ffffff"))
        self.new_button.clicked.connect(self.new_template)
        left_layout.addWidget(self.new_button)
        self.show_retired = QCheckBox("Show retired templates")
        self.show_retired.setAccessibleName("Show retired templates")
        self.show_retired.toggled.connect(lambda _c: self.refresh())
        left_layout.addWidget(self.show_retired)
        self.list = QListWidget()
        self.list.setObjectName("templateList")
        self.list.setAccessibleName("Templates")
        self.list.setItemDelegate(TwoLineDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentRowChanged.connect(self._on_row)
        left_layout.addWidget(self.list, 1)
        left.setMinimumWidth(240)
        left.setMaximumWidth(340)
        splitter.addWidget(left)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("scrollBody")
        form_layout = QVBoxLayout(body)
        form_layout.setContentsMargins(0, 0, 8, 0)
        form_layout.setSpacing(8)
        self.meta_label = QLabel("")
        self.meta_label.setObjectName("muted")
        form_layout.addWidget(self.meta_label)
        form = QFormLayout()
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Template name")
        self.name_edit.setMaxLength(200)
        self.description_edit = QLineEdit()
        self.description_edit.setAccessibleName("Description")
        self.description_edit.setPlaceholderText("When to use it, e.g. annual full skin check")
        self.codes_edit = QLineEdit()
        self.codes_edit.setAccessibleName("Suggested ICD-10 codes")
        self.codes_edit.setPlaceholderText("e.g. L40.0, L40.5")
        form.addRow("Name", self.name_edit)
        form.addRow("Description", self.description_edit)
        form.addRow("Suggested codes", self.codes_edit)
        form_layout.addLayout(form)
        self.sections: dict[str, QPlainTextEdit] = {}
        for key, label, hint in SECTIONS:
            head = QLabel(label)
            head.setObjectName("soapLabel")
            form_layout.addWidget(head)
            edit = QPlainTextEdit()
            edit.setObjectName("soapEdit")
            edit.setAccessibleName(label)
            edit.setPlaceholderText(hint)
            edit.setTabChangesFocus(True)
            edit.setMinimumHeight(90)
            head.setBuddy(edit)
            self.sections[key] = edit
            form_layout.addWidget(edit)
        self.fields: dict[str, QWidget] = {
            "name": self.name_edit,
            "description": self.description_edit,
            "suggested_codes": self.codes_edit,
            **self.sections,
        }
        bar = QHBoxLayout()
        self.save_button = button("Save template", "Save template", role="primary")
        self.retire_button = button("Retire", "Retire or restore this template")
        self.reset_button = button("Reset to shipped text", "Reset to the shipped text")
        bar.addWidget(self.save_button)
        bar.addWidget(self.retire_button)
        bar.addWidget(self.reset_button)
        bar.addStretch(1)
        form_layout.addLayout(bar)
        form_layout.addStretch(1)
        scroll.setWidget(body)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(1, 1)

        self.save_button.clicked.connect(self.save)
        self.retire_button.clicked.connect(self.toggle_retired)
        self.reset_button.clicked.connect(self.reset)
        for widget in (self.new_button, self.save_button, self.retire_button, self.reset_button):
            widget.setVisible(self._can_manage)
        for line in (self.name_edit, self.description_edit, self.codes_edit):
            line.setReadOnly(not self._can_manage)
        for edit in self.sections.values():
            edit.setReadOnly(not self._can_manage)
        self._show(None)

    # --- loading ------------------------------------------------------------------------

    def refresh(self, select_id: str | None = None) -> None:
        actor, service = self._session.actor, self._service
        include = self.show_retired.isChecked() and self._can_manage
        wanted = select_id or (self.current.id if self.current else None)
        self._tasks.run(
            lambda: service.list_templates(actor, include_inactive=include),
            on_success=lambda found: self._on_loaded(found, wanted),
            on_error=self._refused,
            owner=self,
        )

    def _on_loaded(self, templates: list[NoteTemplate], wanted: str | None) -> None:
        self.templates = list(templates)
        self.list.blockSignals(True)
        self.list.clear()
        for template in self.templates:
            tags = []
            if not template.active:
                tags.append("retired")
            if template.source is TemplateSource.CUSTOM:
                tags.append("custom")
            item = QListWidgetItem(theme.icon("template"), template.name)
            detail = " · ".join(
                [*(t.capitalize() for t in tags), template.description or "Shipped with DermAI"]
            )
            item.setData(SUBTITLE_ROLE, detail)
            item.setData(Qt.ItemDataRole.UserRole, template.id)
            if not template.active:
                item.setForeground(self.palette().placeholderText())
            self.list.addItem(item)
        self.list.blockSignals(False)
        row = next((i for i, t in enumerate(self.templates) if t.id == wanted), 0)
        if self.templates:
            self.list.setCurrentRow(row)
            self._on_row(row)
        else:
            self._show(None)

    def _on_row(self, row: int) -> None:
        if 0 <= row < len(self.templates):
            self._show(self.templates[row])

    def _show(self, template: NoteTemplate | None) -> None:
        self.current = template
        for widget in self.fields.values():
            set_invalid(widget, False)
        self.name_edit.setText(template.name if template else "")
        self.description_edit.setText(template.description if template else "")
        self.codes_edit.setText(", ".join(template.suggested_codes) if template else "")
        for key, edit in self.sections.items():
            edit.setPlainText(getattr(template, key) if template else "")
        if template is None:
            self.meta_label.setText("New template — write at least one section, then save.")
        else:
            source = (
                "Shipped with DermAI" if template.source is TemplateSource.BUNDLED else "Custom"
            )
            state = "" if template.active else " · retired (hidden from the picker)"
            self.meta_label.setText(
                f"{source} · version {template.version} · "
                f"changed {fmt_datetime(template.updated_at)}"
                f"{state}"
            )
        self.retire_button.setEnabled(template is not None)
        self.retire_button.setText("Restore" if template and not template.active else "Retire")
        self.reset_button.setEnabled(
            template is not None and template.source is TemplateSource.BUNDLED
        )

    # --- actions --------------------------------------------------------------------------

    def new_template(self) -> None:
        self.list.clearSelection()
        self._show(None)
        self.status.clear_message()
        self.name_edit.setFocus()

    def draft(self) -> TemplateDraft:
        codes = tuple(
            c.strip() for c in self.codes_edit.text().replace(";", ",").split(",") if c.strip()
        )
        return TemplateDraft(
            name=self.name_edit.text(),
            description=self.description_edit.text(),
            suggested_codes=codes,
            **{key: edit.toPlainText() for key, edit in self.sections.items()},
        )

    def save(self) -> None:
        if not self._can_manage:
            return
        for widget in self.fields.values():
            set_invalid(widget, False)
        draft, actor, service, current = (
            self.draft(),
            self._session.actor,
            self._service,
            self.current,
        )
        if current is None:
            fn: Any = lambda: service.create_template(actor, draft)  # noqa: E731
            message = "Template created. Clinicians can pick it in new notes."
        else:
            fn = lambda: service.update_template(actor, current.id, draft, current.version)  # noqa: E731
            message = "Template saved. New notes use the new text."
        self.save_button.setEnabled(False)
        self._tasks.run(
            fn, on_success=lambda t: self._done(t, message), on_error=self._refused, owner=self
        )

    def toggle_retired(self) -> None:
        current = self.current
        if current is None:
            return
        actor, service = self._session.actor, self._service
        if current.active:
            fn: Any = lambda: service.retire_template(actor, current.id, current.version)  # noqa: E731
            message = f"“{current.name}” is retired: hidden from the picker, notes untouched."
            self.show_retired.blockSignals(True)
            self.show_retired.setChecked(True)
            self.show_retired.blockSignals(False)
        else:
            fn = lambda: service.restore_template(actor, current.id, current.version)  # noqa: E731
            message = f"“{current.name}” is back in the picker."
        self._tasks.run(
            fn, on_success=lambda t: self._done(t, message), on_error=self._refused, owner=self
        )

    def reset(self) -> None:
        current = self.current
        if current is None:
            return
        actor, service = self._session.actor, self._service
        self._tasks.run(
            lambda: service.reset_template(actor, current.id, current.version),
            on_success=lambda t: self._done(t, "The shipped text is back."),
            on_error=self._refused,
            owner=self,
        )

    def _done(self, template: NoteTemplate, message: str) -> None:
        self.save_button.setEnabled(True)
        self.status.show_success(message)
        self.current = template
        emit(self.templates_changed)
        self.refresh(template.id)

    def _refused(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ChartListValidationFailed):
            for name in exc.problems:
                widget = self.fields.get(name)
                if widget is not None:
                    set_invalid(widget, True)
            self.status.show_error(" ".join(exc.problems.values()))
        elif isinstance(exc, ExpectedError):
            self.status.show_expected(exc)
        else:
            self._tasks.report(exc)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.refresh()


__all__ = ["TemplatesScreen"]
