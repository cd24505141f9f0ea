"""Comparing a lesion over time: 2–4 dated images side by side, or the later over the earlier."""

from __future__ import annotations

import functools

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from dermai_desktop.domain.errors import ValidationFailed
from dermai_desktop.domain.ids import ImageId
from dermai_desktop.domain.imaging import Alignment, GrowthPoint, LesionImage
from dermai_desktop.domain.users import Actor
from dermai_desktop.ui import theme
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.viewer.align import ShiftEstimate
from dermai_desktop.ui.viewer.growth_chart import GrowthChart
from dermai_desktop.ui.viewer.image_canvas import ImageCanvas
from dermai_desktop.ui.viewer.overlay_compare import OverlayCompareView
from dermai_desktop.ui.viewer.source import ImageSource, Level, Opened, open_full, open_preview

ICON_COLOUR = "#d5e0e6"
MAX_IMAGES = 4


class ComparePane(QWidget):
    """One dated image of the comparison."""

    def __init__(self, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = ImageCanvas(tasks, self)
        self.date_label = QLabel("Opening…", self.canvas)
        self.date_label.setObjectName("compareDate")
        self.date_label.move(10, 10)
        self.image: LesionImage | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(1, 1, 1, 1)
        layout.addWidget(self.canvas)

    def show_opened(self, opened: Opened) -> None:
        self.image = opened.image
        self.canvas.show_image(opened.level, opened.full_width, opened.full_height)
        self.date_label.setText(f"{opened.image.taken_on:%d %b %Y} · {opened.image.modality.label}")
        self.date_label.adjustSize()


class CompareWindow(QMainWindow):
    """Side by side with linked zoom and pan, or an overlay with opacity and alignment.

    Signals:
        loaded(): every image's first picture is on screen.
        alignment_saved(object): the later ``LesionImage`` after its alignment was saved.
    """

    loaded = Signal()
    alignment_saved = Signal(object)

    def __init__(
        self,
        source: ImageSource,
        actor: Actor,
        tasks: TaskRunner,
        image_ids: list[ImageId],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if not 2 <= len(image_ids) <= MAX_IMAGES:
            raise ValidationFailed("Choose two to four images of the lesion to compare.")
        self.setObjectName("compareWindow")
        self.setWindowTitle("Compare over time")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._source, self._actor, self._tasks, self._ids = source, actor, tasks, list(image_ids)
        self.panes = [ComparePane(tasks, self) for _ in image_ids]
        self.overlay_view = OverlayCompareView(tasks, self)
        self.growth_chart = GrowthChart(self)
        self.earlier: LesionImage | None = None
        self.later: LesionImage | None = None
        self._levels: dict[ImageId, Level] = {}
        self._syncing = False
        self._build()
        for pane in self.panes:
            pane.canvas.view_changed.connect(lambda pane=pane: self._sync_from(pane))
        self.overlay_view.alignment_changed.connect(self._show_alignment)
        self.overlay_view.setToolTip(
            "Drag: move the later image. Shift-drag: sideways turns, up/down scales.\n"
            "Arrow keys move (Shift: 10 px), , and . turn, Page Up/Down scale."
        )
        self.overlay_view.auto_aligned.connect(self._auto_aligned)
        self.resize(1320, 860)

    # --- building -------------------------------------------------------------------------

    def _build(self) -> None:
        bar = QToolBar("Compare", self)
        bar.setObjectName("compareToolbar")
        bar.setMovable(False)
        bar.setIconSize(QSize(22, 22))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        modes = QActionGroup(self)
        self.side_action = self._action(bar, "Side by side", "viewer-compare", "S", checkable=True)
        self.overlay_action = self._action(bar, "Overlay", "viewer-layers", "O", checkable=True)
        for action in (self.side_action, self.overlay_action):
            modes.addAction(action)
        self.side_action.setChecked(True)
        self.side_action.triggered.connect(lambda: self.set_overlay_mode(False))
        self.overlay_action.triggered.connect(lambda: self.set_overlay_mode(True))
        bar.addSeparator()
        self.link_action = self._action(
            bar, "Link zoom and pan", "viewer-link", "L", checkable=True
        )
        self.link_action.setChecked(True)
        fit = self._action(bar, "Fit", "viewer-fit", "F")
        fit.triggered.connect(self.fit_all)
        bar.addSeparator()
        self.opacity_label = QLabel("Later image opacity", bar)
        self.opacity = QSlider(Qt.Orientation.Horizontal, bar)
        self.opacity.setObjectName("compareOpacity")
        self.opacity.setRange(0, 100)
        self.opacity.setValue(50)
        self.opacity.setFixedWidth(150)
        self.opacity.setAccessibleName("Later image opacity")
        self.opacity.valueChanged.connect(lambda v: self.overlay_view.set_opacity(v / 100))
        self.auto_button = QPushButton(
            theme.icon("viewer-align", ICON_COLOUR), "Auto-align shift", bar
        )
        self.auto_button.setToolTip(
            "Estimate the shift between the images (rotation and scale stay manual)"
        )
        self.auto_button.clicked.connect(self.overlay_view.auto_align)
        self.reset_button = QPushButton("Reset", bar)
        self.reset_button.clicked.connect(self.reset_alignment)
        self.save_button = QPushButton(theme.icon("viewer-save", "#ffffff"), "Save alignment", bar)
        self.save_button.setObjectName("compareSaveAlignment")
        self.save_button.clicked.connect(self.save_alignment)
        self.overlay_controls = [
            bar.addWidget(w)
            for w in (self.opacity_label, self.opacity, self.auto_button, self.reset_button)
        ]
        spacer = QWidget(bar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.overlay_controls.append(bar.addWidget(self.save_button))
        self.addToolBar(bar)
        self._build_body()

    def _build_body(self) -> None:
        grid_host = QWidget(self)
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(2)
        columns = 2 if len(self.panes) != 3 else 3
        for index, pane in enumerate(self.panes):
            grid.addWidget(pane, index // columns, index % columns)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(grid_host)
        self.stack.addWidget(self.overlay_view)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.stack)
        splitter.addWidget(self.growth_chart)
        splitter.setSizes([640, 190])
        self.setCentralWidget(splitter)
        self.status_label = QLabel("Opening images…", self)
        self.statusBar().addWidget(self.status_label)
        self.set_overlay_mode(False)

    def _action(
        self, bar: QToolBar, text: str, icon_name: str, key: str, checkable: bool = False
    ) -> QAction:
        action = QAction(theme.icon(icon_name, ICON_COLOUR), text, self)
        action.setShortcut(QKeySequence(key))
        action.setToolTip(f"{text}  ({key})")
        action.setCheckable(checkable)
        bar.addAction(action)
        return action

    # --- loading ---------------------------------------------------------------------------

    def load(self) -> None:
        source, actor = self._source, self._actor
        for pane, image_id in zip(self.panes, self._ids, strict=True):
            self._tasks.run(
                functools.partial(open_preview, source, actor, image_id),
                on_success=functools.partial(self._opened, pane),
                owner=self,
            )

    def _opened(self, pane: ComparePane, opened: Opened) -> None:
        pane.show_opened(opened)
        self._levels[opened.image.id] = opened.level
        if opened.is_reduced:
            source, actor, image_id = self._source, self._actor, opened.image.id
            self._tasks.run(
                lambda: open_full(source, actor, image_id),
                on_success=pane.canvas.add_level,
                owner=self,
            )
        if all(p.image is not None for p in self.panes):
            self._all_opened()

    def _all_opened(self) -> None:
        images = sorted(
            (p.image for p in self.panes if p.image), key=lambda i: (i.taken_on, i.imported_at)
        )
        self.earlier, self.later = images[0], images[-1]
        self.fit_all()
        self._setup_overlay()
        self.status_label.setText(
            f"{len(images)} images from {images[0].taken_on:%d %b %Y} "
            f"to {images[-1].taken_on:%d %b %Y}"
        )
        source, actor, lesion_id = self._source, self._actor, images[0].lesion_id
        self._tasks.run(
            lambda: source.growth(actor, lesion_id), on_success=self._growth, owner=self
        )
        emit(self.loaded)

    def _growth(self, points: list[GrowthPoint]) -> None:
        self.growth_chart.set_points(points)

    def _setup_overlay(self) -> None:
        earlier, later = self.earlier, self.later
        assert earlier is not None
        assert later is not None
        first, second = self._levels[earlier.id], self._levels[later.id]
        self.overlay_view.show_image(first, earlier.width, earlier.height)
        self.overlay_view.set_later(second, later.width, later.height, self.opacity.value() / 100)
        saved = later.alignment
        if saved is not None and saved.reference_id == earlier.id:
            self.overlay_view.set_alignment(saved.dx, saved.dy, saved.rotation_deg, saved.scale)
        else:
            self.reset_alignment()

    # --- modes and sync -------------------------------------------------------------------

    def set_overlay_mode(self, overlay: bool) -> None:
        self.stack.setCurrentIndex(1 if overlay else 0)
        (self.overlay_action if overlay else self.side_action).setChecked(True)
        for control in self.overlay_controls:
            control.setVisible(overlay)
        if overlay:
            self.overlay_view.fit()
            self.overlay_view.setFocus()
            self._show_alignment()

    def fit_all(self) -> None:
        for pane in self.panes:
            pane.canvas.fit()
        self.overlay_view.fit()

    def _sync_from(self, origin: ComparePane) -> None:
        if self._syncing or not self.link_action.isChecked() or not origin.canvas.has_image():
            return
        self._syncing = True
        try:
            zoom, fx, fy = origin.canvas.relative_view()
            for pane in self.panes:
                if pane is not origin and pane.canvas.has_image():
                    pane.canvas.apply_relative_view(zoom, fx, fy)
        finally:
            self._syncing = False

    # --- alignment ------------------------------------------------------------------------

    def reset_alignment(self) -> None:
        """Centres together, no turn, and the later image scaled to the earlier one's width."""
        if self.earlier is None or self.later is None:
            return
        self.overlay_view.set_alignment(0.0, 0.0, 0.0, self.earlier.width / self.later.width)

    def current_alignment(self) -> Alignment:
        assert self.earlier is not None
        view = self.overlay_view
        return Alignment(
            self.earlier.id,
            round(view.dx, 2),
            round(view.dy, 2),
            round(view.rotation_deg, 3),
            round(view.scale_factor, 5),
        )

    def save_alignment(self) -> None:
        later = self.later
        if later is None:
            return
        alignment, source, actor = self.current_alignment(), self._source, self._actor
        self.save_button.setEnabled(False)
        self._tasks.run(
            lambda: source.save_alignment(actor, later.id, alignment, later.version),
            on_success=self._alignment_saved,
            on_error=self._save_failed,
            owner=self,
        )

    def _alignment_saved(self, image: LesionImage) -> None:
        self.later = image
        self.save_button.setEnabled(True)
        self.status_label.setText(
            "Alignment saved; it is shown again whenever these images are compared."
        )
        emit(self.alignment_saved, image)

    def _save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self._tasks.report(exc)

    def _show_alignment(self) -> None:
        if self.earlier is None or self.later is None or self.stack.currentIndex() != 1:
            return
        view = self.overlay_view
        self.status_label.setText(
            f"Earlier {self.earlier.taken_on:%d %b %Y} below, later {self.later.taken_on:%d %b %Y} "
            f"above · shift {view.dx:+.0f}, {view.dy:+.0f} px · turn {view.rotation_deg:+.1f}° · "
            f"scale {view.scale_factor * 100:.1f}%  —  drag moves, Shift-drag turns and scales"
        )

    def _auto_aligned(self, estimate: ShiftEstimate) -> None:
        if not estimate.reliable:
            self.status_label.setText(
                "Automatic alignment was not sure of a match; align the images by dragging."
            )
