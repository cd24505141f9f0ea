"""Dropping photo files onto a lesion's marker on the body map imports them into that lesion.

An event filter rather than more code in the map widget: the map only has
to answer "which marker is here?", and the drop handling is the same as on
the lesion list and the image strip (``image_strip.dropped_files``).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent

from dermai_desktop.ui.signals import emit
from dermai_desktop.ui.widgets.body_map import BodyMapWidget
from dermai_desktop.ui.widgets.image_strip import dropped_files


class MarkerDropTarget(QObject):
    """Signals:
    files_dropped(str, list): a lesion id and the image files dropped on its marker.
    """

    files_dropped = Signal(str, list)

    def __init__(self, body_map: BodyMapWidget) -> None:
        super().__init__(body_map)
        self._map = body_map
        body_map.setAcceptDrops(True)
        body_map.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is not self._map:
            return False
        kind = event.type()
        if kind == QEvent.Type.DragEnter and isinstance(event, QDragEnterEvent):
            if dropped_files(event.mimeData()):
                event.acceptProposedAction()  # the marker is checked as the drag moves
            else:
                event.ignore()
            return True
        if kind == QEvent.Type.DragMove and isinstance(event, QDragMoveEvent):
            if self._target(event) is not None:
                event.acceptProposedAction()
            else:
                event.ignore()  # only a marker takes photos; the bare body does not
            return True
        if kind == QEvent.Type.Drop and isinstance(event, QDropEvent):
            target = self._target(event)
            if target is not None:
                event.acceptProposedAction()
                emit(self.files_dropped, target, dropped_files(event.mimeData()))
            return True
        return False

    def _target(self, event: QDragMoveEvent | QDropEvent) -> str | None:
        if not dropped_files(event.mimeData()):
            return None
        marker = self._map.marker_at(event.position())
        return None if marker is None else marker.lesion_id


__all__ = ["MarkerDropTarget"]
