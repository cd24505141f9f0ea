"""The patient chart: banner, summary, visits with SOAP notes, problems, allergies, medications."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from dermai_desktop.domain.errors import ExpectedError, NotFound, PermissionDenied
from dermai_desktop.domain.ids import LesionId, PatientId
from dermai_desktop.domain.patients import Patient
from dermai_desktop.services.dto import Chart
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.screens.lesion_intake import FolderWatchFactory
from dermai_desktop.ui.screens.lesion_windows import LesionWindows
from dermai_desktop.ui.screens.lesions_panel import LesionsPanel
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.chart_banner import ChartBanner
from dermai_desktop.ui.widgets.chart_common import NameBook
from dermai_desktop.ui.widgets.chart_lists import ALLERGIES, MEDICATIONS, PROBLEMS, ListPanel
from dermai_desktop.ui.widgets.chart_summary import SummaryPanel
from dermai_desktop.ui.widgets.chart_visits import VisitsPanel
from dermai_desktop.ui.widgets.empty_state import EmptyState

TAB_TITLES = {
    "summary": "Summary",
    "visits": "Visits",
    "lesions": "Lesions",
    "problems": "Problems",
    "allergies": "Allergies",
    "medications": "Medications",
}
TABS = tuple(TAB_TITLES)


@dataclass(frozen=True)
class ChartData:
    """Everything one chart open reads, gathered on the database thread."""

    patient: Patient | None
    chart: Chart | None = None
    summary: Any | None = None  # services ChartSummary
    diagnoses: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    refusal: ExpectedError | None = None
    seconds: float = 0.0


def load_chart(session: Session, patient_id: PatientId) -> ChartData:
    """Read a chart for ``session`` (runs off the GUI thread; also used by the benchmark).

    A refusal (front desk, missing record) is returned, not raised, so the
    screen can still show the banner the role may see and say plainly why the
    clinical part is closed.
    """
    started = time.perf_counter()
    services, actor = session.services, session.actor
    try:
        chart = services.charts.open_chart(actor, patient_id)
    except (PermissionDenied, NotFound) as exc:
        patient = None
        if isinstance(exc, PermissionDenied):
            try:
                patient = services.patients.get(actor, patient_id)
            except ExpectedError:
                patient = None
        return ChartData(patient=patient, refusal=exc, seconds=time.perf_counter() - started)
    charts = services.charts
    # The full lists (resolved rows too) are read when their tab is first opened.
    summary = charts.chart_summary(actor, patient_id)
    diagnoses = {
        str(note_id): [(d.code, d.title) for d in coded]
        for note_id, coded in chart.diagnoses.items()
    }
    names: dict[str, str] = {str(uid): name for uid, name in charts.clinician_names(actor).items()}
    return ChartData(
        patient=chart.patient,
        chart=chart,
        summary=summary,
        diagnoses=diagnoses,
        names=names,
        seconds=time.perf_counter() - started,
    )


class ChartScreen(QWidget):
    """One patient's chart. Build it, then call ``open_patient(patient_id)``.

    Signals:
        closed(): the user closed the chart (the shell removes the tab).
        book_follow_up_requested(str): patient id; the shell opens booking.
        loaded(str): patient id; the chart finished loading (shown or refused).
    """

    closed = Signal()
    book_follow_up_requested = Signal(str)
    loaded = Signal(str)
    # From the Lesions tab, for the shell: image id; image ids; lesion id; lesion ids.
    view_image_requested = Signal(str)
    compare_images_requested = Signal(list)
    growth_requested = Signal(str)
    lesion_report_requested = Signal(list)
    image_export_requested = Signal(list)

    SHORTCUTS = (
        ("Ctrl+S", "Save the draft note now (it also saves by itself)"),
        ("Ctrl+Shift+S", "Sign the open note"),
        ("Ctrl+Tab", "Next chart tab (Summary, Visits, Problems…)"),
    )

    def __init__(
        self,
        session: Session,
        tasks: TaskRunner,
        parent: QWidget | None = None,
        *,
        folder_watch_factory: FolderWatchFactory | None = None,
    ) -> None:
        super().__init__(parent)
        self._folder_watch_factory = folder_watch_factory
        self._session = session
        self._tasks = tasks
        self.patient_id: PatientId | None = None
        self.data: ChartData | None = None
        self.names = NameBook(session.actor.user_id, session.full_name)
        self.setObjectName("chartScreen")
        self.setAccessibleName("Patient chart")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.banner = ChartBanner()
        self.banner.hide()
        layout.addWidget(self.banner)

        self.stack = QStackedWidget()
        self.stack.setObjectName("chartBody")
        self.loading = EmptyState("chart", "Opening chart…", "The chart is being read.")
        self.refusal = EmptyState("lock", "Chart not available", "")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("chartSections")
        self.tabs.setAccessibleName("Chart sections")
        self.tabs.setDocumentMode(True)
        self.tabs.tabBar().setDrawBase(False)  # the base line shows as a stray white rule
        self.summary = SummaryPanel(self.names)
        # The other tabs are built the first time they are shown (or asked for): a chart
        # usually opens on its summary, and building every panel up front doubled the
        # time to first paint (each widget is polished against the whole style sheet).
        self._panels: dict[str, QWidget] = {"summary": self.summary}
        self._pages: dict[str, QVBoxLayout] = {}
        self._lists: Any | None = None
        self._lists_loading = False
        self._templates: list[Any] | None = None
        for key, title in TAB_TITLES.items():
            page = QWidget()
            page.setObjectName("chartPage")
            page_layout = QVBoxLayout(page)
            page_layout.setContentsMargins(20, 16, 20, 16)
            self._pages[key] = page_layout
            self.tabs.addTab(page, title)
        self._pages["summary"].addWidget(self.summary)
        self.tabs.currentChanged.connect(lambda index: self._panel(TABS[index]))
        self.status = InlineStatus()
        for body in (self.loading, self.refusal, self.tabs):
            self.stack.addWidget(body)
        layout.addWidget(self.status)
        layout.addWidget(self.stack, 1)

        self.banner.close_clicked.connect(self.close_chart)
        self.banner.book_follow_up_clicked.connect(self._book)
        self.summary.goto.connect(self.show_tab)
        self.lesion_windows = self._lesion_windows()

    def _lesion_windows(self) -> LesionWindows:
        """The Lesions tab's viewer, comparison, growth chart, report and export windows."""
        windows = LesionWindows(
            self._session,
            self._tasks,
            lambda: self.patient_id,
            self,
            lesion_labels=self._lesion_labels,
        )
        self.view_image_requested.connect(windows.open_viewer)
        self.compare_images_requested.connect(windows.open_compare)
        self.growth_requested.connect(windows.open_growth)
        self.lesion_report_requested.connect(windows.ask_report)
        self.image_export_requested.connect(windows.open_export)
        windows.lesions_changed.connect(self._lesions_changed)
        return windows

    def _lesion_labels(self) -> dict[LesionId, str]:
        panel = self._panels.get("lesions")
        if not isinstance(panel, LesionsPanel):
            return {}
        return {lesion.id: lesion.label for lesion in panel.lesions}

    def _lesions_changed(self) -> None:
        panel = self._panels.get("lesions")
        if isinstance(panel, LesionsPanel):
            panel.reload()

    # --- panels, built on first use ------------------------------------------------------

    @property
    def visits(self) -> VisitsPanel:
        panel = self._panel("visits")
        assert isinstance(panel, VisitsPanel)
        return panel

    @property
    def problems(self) -> ListPanel:
        return self._list_panel("problems")

    @property
    def allergies(self) -> ListPanel:
        return self._list_panel("allergies")

    @property
    def medications(self) -> ListPanel:
        return self._list_panel("medications")

    @property
    def lesions(self) -> LesionsPanel:
        panel = self._panel("lesions")
        assert isinstance(panel, LesionsPanel)
        return panel

    def _list_panel(self, key: str) -> ListPanel:
        panel = self._panel(key)
        assert isinstance(panel, ListPanel)
        return panel

    def is_built(self, key: str) -> bool:
        return key in self._panels

    def _panel(self, key: str) -> QWidget:
        panel = self._panels.get(key)
        if panel is not None:
            return panel
        session, tasks, names = self._session, self._tasks, self.names
        if key == "visits":
            visits = VisitsPanel(session, tasks, names)
            visits.changed.connect(self.refresh_summary)
            if self.data is not None and self.data.chart is not None:
                visits.set_chart(self.data.chart, self.data.diagnoses)
            if self._templates is not None:
                visits.set_templates(self._templates)
            panel = visits
        elif key == "lesions":
            panel = self._build_lesions()
        else:
            spec = {"problems": PROBLEMS, "allergies": ALLERGIES, "medications": MEDICATIONS}[key]
            rows = ListPanel(spec, session, tasks, names)
            rows.patient_id = self.patient_id
            rows.changed.connect(lambda _row: self.refresh_summary())
            if self._lists is not None and self.patient_id is not None:
                rows.set_rows(self.patient_id, getattr(self._lists, key))
            elif self.data is not None and self.data.chart is not None:
                self._load_lists()
            panel = rows
        self._panels[key] = panel
        self._pages[key].addWidget(panel)
        return panel

    def _build_lesions(self) -> LesionsPanel:
        lesions = LesionsPanel(self._session, self._tasks, self._folder_watch_factory)
        lesions.changed.connect(self.refresh_summary)
        lesions.view_requested.connect(lambda image_id: emit(self.view_image_requested, image_id))
        lesions.compare_requested.connect(lambda ids: emit(self.compare_images_requested, ids))
        lesions.growth_requested.connect(lambda lid: emit(self.growth_requested, lid))
        lesions.report_requested.connect(lambda ids: emit(self.lesion_report_requested, ids))
        lesions.export_requested.connect(lambda ids: emit(self.image_export_requested, ids))
        if self.data is not None and self.data.chart is not None and self.patient_id is not None:
            lesions.set_patient(str(self.patient_id))
        return lesions

    # --- public API -----------------------------------------------------------------------

    def open_patient(self, patient_id: str) -> None:
        """Load ``patient_id``'s chart off the GUI thread and show it."""
        self.patient_id = PatientId(patient_id)
        self.stack.setCurrentWidget(self.loading)
        session, pid = self._session, self.patient_id
        self._tasks.run(lambda: load_chart(session, pid), on_success=self.show_data, owner=self)

    def show_data(self, data: ChartData) -> None:
        """Paint a loaded chart (public so the benchmark can time the paint itself)."""
        self.data = data
        self.names.update(data.names)
        if data.patient is not None:
            self.banner.set_patient(data.patient, date.today())
            self.setWindowTitle(f"{data.patient.family_name.upper()}, {data.patient.given_name}")
            self.banner.show()
        if data.refusal is not None or data.chart is None:
            self.banner.set_allergies(None)
            self._show_refusal(data.refusal)
            emit(self.loaded, str(self.patient_id))
            return
        pid = data.chart.patient.id
        self._apply_lists(data.summary, None)
        if self.is_built("visits"):
            self.visits.set_chart(data.chart, data.diagnoses)
        if self.is_built("lesions"):
            self.lesions.set_patient(str(pid))
        self.summary.show_summary(data.summary, data.chart.notes, data.chart.encounters)
        self.stack.setCurrentWidget(self.tabs)
        self._load_templates()
        emit(self.loaded, str(pid))

    def show_tab(self, key: str) -> None:
        if key in TABS:
            self.tabs.setCurrentIndex(TABS.index(key))

    def current_tab(self) -> str:
        return TABS[self.tabs.currentIndex()]

    def save(self) -> None:
        """Ctrl+S from the shell: write the open draft now."""
        if self.is_built("visits"):
            self.visits.editor.save_now()

    def sign(self) -> None:
        """Ctrl+Shift+S from the shell: sign the open draft (asks first)."""
        if self.is_built("visits") and self.visits.stack.currentWidget() is self.visits.editor:
            self.show_tab("visits")
            self.visits.editor.request_sign()

    def about_to_close(self) -> None:
        """Called by the shell before the tab goes: nothing typed is lost."""
        self.save()
        # Viewer windows may hold unsaved measurements: each asks before it closes.
        self.lesion_windows.close_all()

    def close_chart(self) -> None:
        self.about_to_close()
        emit(self.closed)

    # --- internals -------------------------------------------------------------------------

    def _book(self) -> None:
        if self.patient_id is not None:
            emit(self.book_follow_up_requested, str(self.patient_id))

    def _show_refusal(self, exc: ExpectedError | None) -> None:
        if isinstance(exc, PermissionDenied):
            title = "Clinical record not available to your role"
            text = (
                f"{exc.message} {exc.next_step or ''}".strip()
                + " Demographics and appointments stay available on the Patients and"
                " Schedule pages."
            )
        elif exc is not None:
            title, text = exc.title, exc.user_text()
        else:
            title, text = "Chart not available", "The chart could not be read."
        self.refusal.set_text(title, text)
        self.refusal.setAccessibleDescription(text)
        self.stack.setCurrentWidget(self.refusal)

    def _apply_lists(self, summary: Any | None, lists: Any | None) -> None:
        if summary is not None:
            self.banner.set_allergies(list(summary.banner.allergy_substances))
        if lists is not None and self.patient_id is not None:
            self._lists = lists
            for key in ("problems", "allergies", "medications"):
                if self.is_built(key):
                    self._list_panel(key).set_rows(self.patient_id, getattr(lists, key))

    def refresh_summary(self) -> None:
        """Re-read summary and lists after a change (the visits pane keeps its state)."""
        if self.patient_id is None:
            return
        services, actor, pid = self._session.services, self._session.actor, self.patient_id

        want_lists = any(self.is_built(k) for k in ("problems", "allergies", "medications"))

        def read() -> tuple[Any, Any, Chart]:
            summary = services.charts.chart_summary(actor, pid)
            lists = services.chart_lists.lists(actor, pid) if want_lists else None
            chart = services.charts.open_chart(actor, pid)
            return summary, lists, chart

        def apply(result: tuple[Any, Any, Chart]) -> None:
            summary, lists, chart = result
            self._apply_lists(summary, lists)
            self.summary.show_summary(summary, chart.notes, chart.encounters)

        self._tasks.run(read, on_success=apply, on_error=self._refused, owner=self)

    def _load_lists(self) -> None:
        if self.patient_id is None or self._lists_loading:
            return
        self._lists_loading = True
        services, actor, pid = self._session.services, self._session.actor, self.patient_id

        def done(lists: Any) -> None:
            self._lists_loading = False
            self._apply_lists(None, lists)

        def failed(exc: BaseException) -> None:
            self._lists_loading = False
            self._refused(exc)

        self._tasks.run(
            lambda: services.chart_lists.lists(actor, pid),
            on_success=done,
            on_error=failed,
            owner=self,
        )

    def _load_templates(self) -> None:
        service = self._session.services.templates
        actor = self._session.actor
        self._tasks.run(
            lambda: service.list_templates(actor),
            on_success=self._set_templates,
            on_error=self._templates_failed,
            owner=self,
        )

    def _templates_failed(self, exc: BaseException) -> None:
        # A refusal just leaves the picker empty (it says so); a bug still gets reported.
        if not isinstance(exc, ExpectedError):
            self._tasks.report(exc)

    def _set_templates(self, templates: list[Any]) -> None:
        self._templates = list(templates)
        if self.is_built("visits"):
            self.visits.set_templates(self._templates)

    def _refused(self, exc: BaseException) -> None:
        self.status.show_failure(exc, self._tasks.report)

    def has_unsaved_draft(self) -> bool:
        return self.is_built("visits") and self.visits.has_unsaved_draft()

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape and self.status.isVisible():
            self.status.clear_message()
            return
        super().keyPressEvent(event)


__all__ = ["TABS", "ChartData", "ChartScreen", "load_chart"]
