"""The overlay on one image: its vector items in a scene, to and from ``domain.imaging.Overlay``."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QGraphicsScene

from dermai_desktop.domain.ids import new_uuid7
from dermai_desktop.domain.imaging import (
    AnnotationKind,
    Calibration,
    MeasureKind,
    Overlay,
    Point,
)
from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.viewer.overlay_items import (
    AreaItem,
    ArrowItem,
    EllipseItem,
    RulerItem,
    TextItem,
    VectorItem,
)

_Item = TypeVar("_Item", bound=VectorItem)


class OverlayLayer(QObject):
    """Owns the overlay items of one scene and says when the user changed them.

    Signals:
        changed(): an item was added, moved, edited or removed (the overlay is unsaved).
    """

    changed = Signal()

    def __init__(self, scene: QGraphicsScene, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._scene = scene
        self._items: list[VectorItem] = []
        self._calibration: Calibration | None = None
        self._scale = 1.0

    # --- loading and saving ------------------------------------------------------------------

    def load(self, overlay: Overlay) -> None:
        """Show a saved overlay (replacing what is there) without marking anything changed."""
        for item in list(self._items):
            self._detach(item)
        for measurement in overlay.measurements:
            if measurement.kind is MeasureKind.RULER:
                self._attach(RulerItem(measurement.id, measurement.points))
            else:
                self._attach(AreaItem(measurement.id, measurement.points))
        for annotation in overlay.annotations:
            if annotation.kind is AnnotationKind.ARROW:
                self._attach(ArrowItem(annotation.id, annotation.points))
            elif annotation.kind is AnnotationKind.ELLIPSE:
                self._attach(EllipseItem(annotation.id, annotation.points))
            else:
                self._attach(TextItem(annotation.id, annotation.points[0], annotation.text))

    def overlay(self) -> Overlay:
        measurements = tuple(
            item.to_measurement() for item in self._items if isinstance(item, RulerItem | AreaItem)
        )
        annotations = tuple(
            item.to_annotation()
            for item in self._items
            if isinstance(item, ArrowItem | EllipseItem | TextItem)
        )
        return Overlay(measurements, annotations)

    # --- editing ------------------------------------------------------------------------------

    def add_ruler(self, start: Point, end: Point) -> RulerItem:
        return self._add(RulerItem(new_uuid7(), (start, end)))

    def add_area(self, points: list[Point]) -> AreaItem:
        return self._add(AreaItem(new_uuid7(), points))

    def add_arrow(self, tail: Point, head: Point) -> ArrowItem:
        return self._add(ArrowItem(new_uuid7(), (tail, head)))

    def add_ellipse(self, corner: Point, other: Point) -> EllipseItem:
        return self._add(EllipseItem(new_uuid7(), (corner, other)))

    def add_text(self, anchor: Point, text: str) -> TextItem:
        return self._add(TextItem(new_uuid7(), anchor, text))

    def remove(self, item: VectorItem) -> None:
        if item in self._items:
            self._detach(item)
            emit(self.changed)

    def remove_selected(self) -> int:
        chosen = [item for item in self._items if item.isSelected()]
        for item in chosen:
            self._detach(item)
        if chosen:
            emit(self.changed)
        return len(chosen)

    def items(self) -> list[VectorItem]:
        return list(self._items)

    @property
    def calibration(self) -> Calibration | None:
        return self._calibration

    def set_calibration(self, calibration: Calibration | None) -> None:
        self._calibration = calibration
        for item in self._items:
            item.set_calibration(calibration)

    def set_view_scale(self, scale: float) -> None:
        self._scale = scale
        for item in self._items:
            item.set_view_scale(scale)

    # --- internals ----------------------------------------------------------------------------

    def _add(self, item: _Item) -> _Item:
        self._attach(item)
        emit(self.changed)
        return item

    def _attach(self, item: VectorItem) -> None:
        item.set_view_scale(self._scale)
        item.set_calibration(self._calibration)
        item.on_change = self._item_changed
        self._scene.addItem(item)
        self._items.append(item)

    def _detach(self, item: VectorItem) -> None:
        item.on_change = lambda _item: None
        self._items.remove(item)
        if item.scene() is self._scene:
            self._scene.removeItem(item)

    def _item_changed(self, _item: VectorItem) -> None:
        emit(self.changed)
