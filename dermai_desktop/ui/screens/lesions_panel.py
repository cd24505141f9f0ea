"""The chart's Lesions tab: body map, lesion list and form, the image timeline, intake.

Every service call runs through the TaskRunner. Refusals are shown in plain
words in the panel (a role without chart access never gets here, but a panel
that is refused still says why rather than failing). The image strip and the
ways images come in (chooser, drop, paste, watched folder) are the
``LesionImages`` mixin in ``lesions_images``.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.errors import ExpectedError, PermissionDenied
from dermai_desktop.domain.ids import PatientId
from dermai_desktop.domain.imaging import ConsentScope
from dermai_desktop.domain.lesions import BodyPoint, Lesion, LesionDraft
from dermai_desktop.domain.roles import Operation
from dermai_desktop.ui.analysis.lesion_actions import LesionAnalysisActions
from dermai_desktop.ui.messages import InlineStatus
from dermai_desktop.ui.screens.lesion_intake import FolderWatchFactory, ImageIntake, OfferBar
from dermai_desktop.ui.screens.lesions_images import LesionImages, load_thumbnails
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.body_map import BodyMapWidget, MapMarker
from dermai_desktop.ui.widgets.body_map_drop import MarkerDropTarget
from dermai_desktop.ui.widgets.chart_common import card
from dermai_desktop.ui.widgets.empty_state import EmptyState
from dermai_desktop.ui.widgets.forms import button
from dermai_desktop.ui.widgets.image_strip import ImageStrip
from dermai_desktop.ui.widgets.lesion_form import LesionForm
from dermai_desktop.ui.widgets.lesion_list import LesionList

_LABEL_NUMBER = re.compile(r"^L(\d+)$", re.IGNORECASE)


def next_label(lesions: list[Lesion]) -> str:
    """ "L<n>" one past the highest L-number already used for this patient."""
    numbers = [int(m.group(1)) for les in lesions if (m := _LABEL_NUMBER.match(les.label))]
    return f"L{max(numbers, default=0) + 1}"


class LesionsPanel(LesionImages):
    """One patient's lesions. Build it, then ``set_patient(patient_id)``.

    Signals:
        view_requested(str): an image id to open in the viewer.
        compare_requested(list): two to four image ids of one lesion.
        growth_requested(str): a lesion id whose growth chart to show.
        report_requested(list): lesion ids for a PDF report.
        changed(): lesions were added or changed (the chart refreshes its summary).
    """

    view_requested = Signal(str)
    compare_requested = Signal(list)
    growth_requested = Signal(str)
    report_requested = Signal(list)
    export_requested = Signal(list)
    changed = Signal()

    def __init__(  # noqa: PLR0915 - one linear layout
        self,
        session: Session,
        tasks: TaskRunner,
        folder_watch_factory: FolderWatchFactory | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("lesionsPanel")
        self.setAccessibleName("Lesions")
        self._session, self._tasks = session, tasks
        self.patient_id: PatientId | None = None
        self.lesions: list[Lesion] = []
        self._editable = session.may(Operation.CHART_EDIT)
        self.intake = ImageIntake(session, tasks, folder_watch_factory, self)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(10)
        outer.addLayout(self._toolbar())
        self.offer_bar = OfferBar()
        outer.addWidget(self.offer_bar)
        self.status = InlineStatus()
        outer.addWidget(self.status)

        self.stack = QStackedWidget()
        self.refusal = EmptyState("lock", "Lesions not available", "")
        self.body = QWidget()
        self.stack.addWidget(self.body)
        self.stack.addWidget(self.refusal)
        outer.addWidget(self.stack, 1)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(12)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(12)
        map_card, map_layout = card()
        map_layout.setContentsMargins(8, 8, 8, 6)
        self.map = BodyMapWidget()
        self.map.set_editable(self._editable)
        map_layout.addWidget(self.map)
        left_layout.addWidget(map_card, 1)
        strip_card, strip_layout = card()
        self.strip = ImageStrip()
        self.strip.set_can_import(session.may(Operation.IMAGE_EDIT))
        strip_layout.addWidget(self.strip)
        left_layout.addWidget(strip_card)
        split.addWidget(left)
        side_card, side_layout = card()
        self.list = LesionList()
        self.form = LesionForm()
        side_layout.addWidget(self.list, 1)
        side_layout.addWidget(self.form)
        side_card.setMinimumWidth(340)
        side_card.setMaximumWidth(440)
        split.addWidget(side_card)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 0)
        body.addWidget(split, 1)
        self._connect()
        self.analysis = LesionAnalysisActions(
            session,
            tasks,
            self.strip,
            self.form,
            selected=lambda: self.lesion(self.current_lesion_id()),
            parent=self,
        )
        paste = QShortcut(QKeySequence.StandardKey.Paste, self)
        paste.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        paste.activated.connect(self.paste)

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.add_button = button("Add lesion", role="primary")
        self.add_button.setToolTip("Then click the body map where the lesion is")
        self.add_button.setEnabled(self._editable)
        bar.addWidget(self.add_button)
        self.hint = QLabel("Click the body map where the lesion is. Esc cancels.")
        self.hint.setObjectName("muted")
        self.hint.hide()
        bar.addWidget(self.hint)
        bar.addStretch(1)
        self.watch_label = QLabel("")
        self.watch_label.setObjectName("muted")
        bar.addWidget(self.watch_label)
        self.watch_button = button("Watch folder…", "Watch a camera or dermatoscope folder")
        self.watch_button.setVisible(self.intake.can_watch)
        self.watch_button.setEnabled(self._session.may(Operation.IMAGE_EDIT))
        bar.addWidget(self.watch_button)
        self.visit_button = button(
            "Analyze visit", "Analyse every photo of the latest visit, all lesions"
        )
        self.visit_button.setVisible(self._session.may(Operation.ANALYSIS_RUN))
        bar.addWidget(self.visit_button)
        self.report_button = button("Report…", "Lesion report for the lesions listed")
        self.report_button.setEnabled(self._session.may(Operation.IMAGE_EXPORT))
        bar.addWidget(self.report_button)
        consent_label = QLabel("Image consent")
        consent_label.setObjectName("muted")
        bar.addWidget(consent_label)
        self.consent = QComboBox()
        self.consent.setAccessibleName("Patient's standing consent for new images")
        self.consent.setToolTip("New images take this consent; each image can be changed later.")
        for scope in ConsentScope:
            self.consent.addItem(scope.label, scope.value)
        self.consent.setEnabled(False)
        consent_label.setBuddy(self.consent)
        bar.addWidget(self.consent)
        return bar

    def _connect(self) -> None:
        self.add_button.clicked.connect(self.start_placing)
        self.map.point_placed.connect(self._placed)
        self.map.marker_selected.connect(self._map_selected)
        self.map.marker_moved.connect(self._moved)
        self.map.marker_activated.connect(lambda _lid: self.form.label.setFocus())
        self.list.lesion_selected.connect(self._list_selected)
        self.list.files_dropped.connect(self._dropped_on_lesion)
        self.map_drop = MarkerDropTarget(self.map)
        self.map_drop.files_dropped.connect(self._dropped_on_lesion)
        self.form.save_requested.connect(self._save)
        self.form.cancelled.connect(self._cancel)
        self.strip.view_requested.connect(lambda image_id: emit(self.view_requested, image_id))
        self.strip.compare_requested.connect(lambda ids: emit(self.compare_requested, ids))
        self.strip.growth_requested.connect(self._growth)
        self.strip.export_requested.connect(lambda ids: emit(self.export_requested, ids))
        self.strip.import_requested.connect(self.import_dialog)
        self.strip.files_dropped.connect(self._dropped_on_strip)
        self.report_button.clicked.connect(self._report)
        self.visit_button.clicked.connect(self._analyze_visit)
        self.consent.activated.connect(self._consent_chosen)
        self.watch_button.clicked.connect(self._toggle_watch)
        self.intake.finished.connect(self._imported)
        self.intake.failed.connect(self._failed)
        self.intake.offer_changed.connect(self._show_offer)
        self.offer_bar.assign_clicked.connect(self._assign_offer)
        self.offer_bar.dismiss_clicked.connect(self.intake.dismiss)

    # --- loading -------------------------------------------------------------------------

    def set_patient(self, patient_id: str) -> None:
        self.patient_id = PatientId(patient_id)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        if self.patient_id is None:
            return
        lesions, actor, pid = self._session.services.lesions, self._session.actor, self.patient_id

        def read() -> tuple[list[Lesion], ConsentScope]:
            return lesions.lesions(actor, pid), lesions.standing_consent(actor, pid)

        self._tasks.run(
            read,
            on_success=lambda result: self._show(result[0], result[1], select),
            on_error=self._failed,
            owner=self,
        )

    def _show(self, lesions: list[Lesion], consent: ConsentScope, select: str | None) -> None:
        self.lesions = list(lesions)
        self.stack.setCurrentWidget(self.body)
        self.consent.setCurrentIndex(max(0, self.consent.findData(ConsentScope(consent).value)))
        self.consent.setEnabled(self._editable)
        # With nothing chosen yet, show the first lesion: its photos are what the
        # dermatologist came to this tab for.
        first = str(self.lesions[0].id) if self.lesions else None
        keep = select or self.current_lesion_id() or first
        self.map.set_markers(
            [MapMarker(str(x.id), x.label, x.status, x.position, x.site) for x in self.lesions]
        )
        self.list.set_lesions(self.lesions, keep)
        if keep and self.lesion(keep) is not None:
            self._select(keep)

    def lesion(self, lesion_id: str | None) -> Lesion | None:
        return next((x for x in self.lesions if str(x.id) == lesion_id), None)

    def current_lesion_id(self) -> str | None:
        return self.map.selected()

    # --- selection ------------------------------------------------------------------------

    def _map_selected(self, lesion_id: str) -> None:
        self.list.select(lesion_id or None)
        self._select(lesion_id or None)

    def _list_selected(self, lesion_id: str) -> None:
        self.map.select(lesion_id or None)
        self._select(lesion_id or None)

    def _select(self, lesion_id: str | None) -> None:
        lesion = self.lesion(lesion_id)
        self.map.set_placing(False)
        self.map.set_pending(None)
        self.hint.hide()
        self.map.select(lesion_id)
        self.list.select(lesion_id)
        if lesion is None:
            self.form.clear()
            self.strip.set_lesion_label(None)
            return
        shown = self.form.lesion
        # A newer version from elsewhere (a verdict that sent it for biopsy) replaces the form,
        # unless the user has typed into it: then saving reports the clash instead.
        untouched = shown is not None and self.form.draft() == shown.draft()
        if (
            shown is None
            or shown.id != lesion.id
            or (shown.version != lesion.version and untouched)
        ):
            self.form.show_lesion(lesion)
        self.form.setEnabled(self._editable)
        self.strip.set_lesion_label(lesion.label)
        self._load_images(str(lesion.id))
        self._show_offer()

    # --- adding, editing, moving ---------------------------------------------------------------

    def start_placing(self) -> None:
        if not self._editable:
            return
        self.map.select(None)
        self.list.select(None)
        self.form.clear()
        self.strip.set_lesion_label(None)
        self.map.set_placing(True)
        self.hint.show()
        self.map.setFocus()

    def _placed(self, point: BodyPoint, site: str) -> None:
        self.hint.hide()
        if self.form.lesion is None and self.form.position is not None:
            self.form.suggest_site(point, site)  # a second click re-places the new marker
        else:
            self.form.start_new(point, site, next_label(self.lesions))

    def _save(self, draft: LesionDraft) -> None:
        if self.patient_id is None:
            return
        service, actor, pid = self._session.services.lesions, self._session.actor, self.patient_id
        current = self.form.lesion
        self.form.save_button.setEnabled(False)

        def write() -> Lesion:
            if current is None:
                return service.add(actor, pid, draft)
            return service.update(actor, current.id, draft, current.version)

        def saved(lesion: Lesion) -> None:
            self.form.save_button.setEnabled(True)
            self.form.lesion = None  # re-shown from the saved record
            self.status.show_success(f"Lesion {lesion.label} saved.")
            self.reload(select=str(lesion.id))
            emit(self.changed)

        def refused(exc: BaseException) -> None:
            self.form.save_button.setEnabled(True)
            self.form.status.show_failure(exc, self._tasks.report)

        self._tasks.run(write, on_success=saved, on_error=refused, owner=self)

    def _cancel(self) -> None:
        self.map.set_placing(False)
        self.map.set_pending(None)
        self.hint.hide()
        current = self.form.lesion
        self.form.clear()
        if current is not None:
            self.form.show_lesion(current)
            self.form.setEnabled(self._editable)

    def _moved(self, lesion_id: str, point: BodyPoint, site: str) -> None:
        lesion = self.lesion(lesion_id)
        if lesion is None:
            return
        if self.form.lesion is not None and str(self.form.lesion.id) == lesion_id:
            self.form.suggest_site(point, site)
        keep_own = self.form.keeps_own_site() or not site
        service, actor = self._session.services.lesions, self._session.actor

        def moved(updated: Lesion) -> None:
            self.lesions = [updated if str(x.id) == lesion_id else x for x in self.lesions]
            self.list.set_lesions(self.lesions, lesion_id)
            if self.form.lesion is not None and str(self.form.lesion.id) == lesion_id:
                self.form.lesion = updated
            emit(self.changed)

        def refused(exc: BaseException) -> None:
            self._failed(exc)
            self.reload(select=lesion_id)  # the marker goes back where the record says

        self._tasks.run(
            lambda: service.move_marker(
                actor, lesion.id, point, None if keep_own else site, lesion.version
            ),
            on_success=moved,
            on_error=refused,
            owner=self,
        )

    # --- other actions --------------------------------------------------------------------------

    def _growth(self) -> None:
        lesion_id = self.current_lesion_id()
        if lesion_id:
            emit(self.growth_requested, lesion_id)

    def _analyze_visit(self) -> None:
        if self.patient_id is not None:
            self.analysis.analyze_visit(self.patient_id)

    def _report(self) -> None:
        ids = self.list.visible_ids()
        if ids:
            emit(self.report_requested, ids)
        else:
            self.status.show_info("There are no lesions listed to report on.")

    def _consent_chosen(self, _index: int) -> None:
        if self.patient_id is None:
            return
        scope = ConsentScope(self.consent.currentData())
        service, actor, pid = self._session.services.lesions, self._session.actor, self.patient_id
        self._tasks.run(
            lambda: service.set_standing_consent(actor, pid, scope),
            on_success=lambda _r: self.status.show_success(
                f"New images of this patient will be marked “{scope.label}”."
            ),
            on_error=self._consent_refused,
            owner=self,
        )

    def _consent_refused(self, exc: BaseException) -> None:
        self._failed(exc)
        self.reload()  # the selector goes back to what is stored

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, PermissionDenied) and not self.lesions:
            text = f"{exc.message} {exc.next_step or ''}".strip()
            self.refusal.set_text("Lesions not available to your role", text)
            self.stack.setCurrentWidget(self.refusal)
        elif isinstance(exc, ExpectedError):
            self.status.show_expected(exc)
        elif isinstance(exc, OSError):
            self.status.show_error(
                "The watched folder can no longer be read (was the camera unplugged?). "
                "Choose it again with “Watch folder…”."
            )
        else:
            self._tasks.report(exc)

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape and self.map.placing:
            self._cancel()
            return
        super().keyPressEvent(event)


__all__ = ["LesionsPanel", "load_thumbnails", "next_label"]
