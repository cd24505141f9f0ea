"""The image viewer: calibrated measuring by mouse, annotations saved as vectors, tools and keys.

Real HAM10000 images decoded by the real Pillow decoder, served by an
in-memory source with the service's method shapes (``viewer_support``); one
test runs the whole real stack (SQLCipher, encrypted image store, services).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.imaging import (
    AnnotationKind,
    Calibration,
    CalibrationSource,
    ConsentScope,
    MeasureKind,
    Modality,
)
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.viewer.overlay_items import AreaItem, RulerItem, TextItem
from dermai_desktop.ui.viewer.source import Adjustment
from dermai_desktop.ui.viewer.tools import Tool
from dermai_desktop.ui.viewer.viewer_window import ViewerWindow
from tests.shared_data import fullres_images
from tests.ui.viewer_support import ACTOR, MemoryImageSource

WAIT_MS = 10000
CALIBRATION = Calibration(0.02, CalibrationSource.RULER)  # 50 px per mm


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "viewer.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def source() -> MemoryImageSource:
    fullres_images()  # skips cleanly without the shared images
    return MemoryImageSource()


@pytest.fixture
def open_viewer(
    qtbot: QtBot, tasks: TaskRunner, source: MemoryImageSource, settings: QSettings
) -> Callable[..., ViewerWindow]:
    def open_(image_id: str, src: object = source, actor: object = ACTOR) -> ViewerWindow:
        window = ViewerWindow(src, actor, tasks, image_id, settings=settings)  # type: ignore[arg-type]
        qtbot.addWidget(window)
        window.resize(1100, 760)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        with qtbot.waitSignal(window.full_resolution_shown, timeout=WAIT_MS):
            window.load()
        window.canvas.actual_size()  # one image pixel per screen pixel: easy arithmetic
        window.canvas.centerOn(300, 225)
        return window

    return open_


def view_point(window: ViewerWindow, x: float, y: float) -> QPoint:
    return window.canvas.mapFromScene(QPointF(x, y))


def drag(window: ViewerWindow, start: tuple[float, float], end: tuple[float, float]) -> None:
    viewport = window.canvas.viewport()
    a, b = view_point(window, *start), view_point(window, *end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseMove(viewport, (a + b) / 2)
    QTest.mouseMove(viewport, b)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)


def click(window: ViewerWindow, x: float, y: float) -> None:
    QTest.mouseClick(
        window.canvas.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        view_point(window, x, y),
    )


def key(window: ViewerWindow, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(window.canvas, key, modifier)


def saved(qtbot: QtBot, window: ViewerWindow) -> None:
    with qtbot.waitSignal(window.image_changed, timeout=WAIT_MS):
        key(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def test_ruler_drawn_with_the_mouse_reads_millimetres(
    qtbot: QtBot, source: MemoryImageSource, open_viewer: Callable[..., ViewerWindow]
) -> None:
    image = source.add_file(fullres_images()[0], calibration=CALIBRATION)
    window = open_viewer(image.id)
    key(window, Qt.Key.Key_R)
    assert window.canvas.tool is Tool.RULER
    drag(window, (150, 200), (350, 200))  # 200 px at 0.02 mm/px
    rulers = [i for i in window.canvas.layer.items() if isinstance(i, RulerItem)]
    assert len(rulers) == 1
    measurement = rulers[0].to_measurement()
    assert measurement.length_px == pytest.approx(200, abs=1.0)
    assert measurement.length_mm(CALIBRATION) == pytest.approx(4.0, abs=0.02)
    assert rulers[0].label.text() == "4.00 mm"
    assert window.measure_list.item(0).text().startswith("Ruler")
    assert window.dirty
    saved(qtbot, window)
    stored = source.get(image.id).overlay.measurements
    assert stored[0].kind is MeasureKind.RULER
    assert stored[0].length_mm(CALIBRATION) == pytest.approx(4.0, abs=0.02)


def test_area_outline_gives_area_and_longest_diameter(
    source: MemoryImageSource, open_viewer: Callable[..., ViewerWindow]
) -> None:
    image = source.add_file(fullres_images()[1], calibration=CALIBRATION)
    window = open_viewer(image.id)
    key(window, Qt.Key.Key_A)
    for x, y in ((200, 150), (300, 150), (300, 250), (200, 250)):
        click(window, x, y)
    key(window, Qt.Key.Key_Return)
    areas = [i for i in window.canvas.layer.items() if isinstance(i, AreaItem)]
    assert len(areas) == 1
    measurement = areas[0].to_measurement()
    assert measurement.area_mm2(CALIBRATION) == pytest.approx(4.0, rel=0.03)  # 100x100 px
    assert measurement.length_mm(CALIBRATION) == pytest.approx(2.83, abs=0.04)  # the diagonal
    assert "mm²" in areas[0].label.text()
    assert "Ø 2.8" in areas[0].label.text()


def test_calibrate_from_a_drawn_line_then_measure(
    qtbot: QtBot, source: MemoryImageSource, open_viewer: Callable[..., ViewerWindow]
) -> None:
    image = source.add_file(fullres_images()[2])
    window = open_viewer(image.id)
    assert "Not calibrated" in window.calibration_label.text()
    key(window, Qt.Key.Key_R)
    drag(window, (100, 300), (200, 300))
    assert window.canvas.layer.items()[0].label.text() == "100 px"  # uncalibrated: pixels
    key(window, Qt.Key.Key_C)
    drag(window, (100, 100), (350, 100))  # 250 px drawn over "5 mm"
    dialog = window.calibration_dialog
    assert dialog is not None
    dialog.value.setValue(5.0)
    with qtbot.waitSignal(window.image_changed, timeout=WAIT_MS):
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    stored = source.get(image.id).calibration
    assert stored is not None
    assert stored.source is CalibrationSource.RULER
    assert stored.mm_per_pixel == pytest.approx(0.02, rel=0.01)
    assert window.canvas.layer.items()[0].label.text() == "2.00 mm"
    assert "mm/px (ruler)" in window.calibration_label.text()
    assert window.canvas.calibration_line is None  # the helper line is gone, never saved
    assert window.canvas.tool is Tool.RULER


def test_device_field_of_view_calibration(
    qtbot: QtBot, source: MemoryImageSource, open_viewer: Callable[..., ViewerWindow]
) -> None:
    image = source.add_file(fullres_images()[3])
    window = open_viewer(image.id)
    window.ask_device_calibration()
    dialog = window.calibration_dialog
    assert dialog is not None
    dialog.value.setValue(24.0)  # 24 mm across 600 px
    with qtbot.waitSignal(window.image_changed, timeout=WAIT_MS):
        dialog.accept()
    stored = source.get(image.id).calibration
    assert stored is not None
    assert stored.source is CalibrationSource.DEVICE_DEFAULT
    assert stored.mm_per_pixel == pytest.approx(0.04)


def test_modality_and_consent_are_edited_in_the_image_panel(
    qtbot: QtBot, source: MemoryImageSource, open_viewer: Callable[..., ViewerWindow]
) -> None:
    image = source.add_file(fullres_images()[4])
    window = open_viewer(image.id)
    facts = window.facts
    assert facts.consent.isEnabled()
    assert facts.consent.currentData() == image.consent.value
    with qtbot.waitSignal(window.image_changed, timeout=WAIT_MS):
        facts.consent.setCurrentIndex(facts.consent.findData(ConsentScope.TEACHING.value))
        facts.consent.activated.emit(facts.consent.currentIndex())
    assert source.get(image.id).consent is ConsentScope.TEACHING
    with qtbot.waitSignal(window.image_changed, timeout=WAIT_MS):
        facts.modality.setCurrentIndex(facts.modality.findData(Modality.CLOSE_UP.value))
        facts.modality.activated.emit(facts.modality.currentIndex())
    assert source.get(image.id).modality is Modality.CLOSE_UP
    assert "Teaching" in window.info_label.text()


def test_annotations_are_saved_as_vectors_and_shown_again(
    qtbot: QtBot, source: MemoryImageSource, open_viewer: Callable[..., ViewerWindow]
) -> None:
    image = source.add_file(fullres_images()[4], calibration=CALIBRATION)
    pixels_before = source.full_image(ACTOR, image.id).rgb
    window = open_viewer(image.id)
    key(window, Qt.Key.Key_W)
    drag(window, (120, 120), (220, 200))
    key(window, Qt.Key.Key_E)
    drag(window, (300, 100), (420, 180))
    key(window, Qt.Key.Key_T)
    click(window, 150, 320)
    assert window.text_dialog is not None
    window.text_dialog.setTextValue("Irregular border here")
    window.text_dialog.accept()
    saved(qtbot, window)
    annotations = source.get(image.id).overlay.annotations
    assert [a.kind for a in annotations] == [
        AnnotationKind.ARROW,
        AnnotationKind.ELLIPSE,
        AnnotationKind.TEXT,
    ]
    assert annotations[2].text == "Irregular border here"
    assert annotations[0].points[0] == pytest.approx((120, 120), abs=1.0)
    assert source.full_image(ACTOR, image.id).rgb == pixels_before  # nothing burned in
    window.close()
    again = open_viewer(image.id)
    shown = again.canvas.layer.overlay().annotations
    assert [(a.kind, a.points, a.text) for a in shown] == [
        (a.kind, a.points, a.text) for a in annotations
    ]
    assert any(isinstance(i, TextItem) for i in again.canvas.layer.items())


def test_delete_removes_the_selected_drawing_and_close_asks_to_save(
    qtbot: QtBot, source: MemoryImageSource, open_viewer: Callable[..., ViewerWindow]
) -> None:
    image = source.add_file(fullres_images()[5], calibration=CALIBRATION)
    window = open_viewer(image.id)
    key(window, Qt.Key.Key_R)
    drag(window, (100, 100), (300, 100))
    drag(window, (100, 200), (300, 200))
    key(window, Qt.Key.Key_V)
    window.canvas.layer.items()[0].setSelected(True)
    key(window, Qt.Key.Key_Delete)
    assert len(window.canvas.layer.items()) == 1
    window.close()
    assert window.isVisible()
    assert window.unsaved_box is not None
    with qtbot.waitSignal(window.image_changed, timeout=WAIT_MS):
        window.unsaved_box.button(window.unsaved_box.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert len(source.get(image.id).overlay.measurements) == 1


def test_shortcuts_switch_tools_and_the_last_tool_is_remembered(
    source: MemoryImageSource, open_viewer: Callable[..., ViewerWindow], settings: QSettings
) -> None:
    image = source.add_file(fullres_images()[6])
    window = open_viewer(image.id)
    for pressed, tool in (
        (Qt.Key.Key_R, Tool.RULER),
        (Qt.Key.Key_A, Tool.AREA),
        (Qt.Key.Key_W, Tool.ARROW),
        (Qt.Key.Key_E, Tool.ELLIPSE),
        (Qt.Key.Key_T, Tool.TEXT),
        (Qt.Key.Key_C, Tool.CALIBRATE),
        (Qt.Key.Key_V, Tool.PAN),
        (Qt.Key.Key_E, Tool.ELLIPSE),
    ):
        key(window, pressed)
        assert window.canvas.tool is tool
        assert window.tool_actions[tool].isChecked()
    window.close()
    assert open_viewer(image.id).canvas.tool is Tool.ELLIPSE


def test_zoom_rotate_flip_keep_image_coordinates(
    source: MemoryImageSource, open_viewer: Callable[..., ViewerWindow]
) -> None:
    image = source.add_file(fullres_images()[7], calibration=CALIBRATION)
    window = open_viewer(image.id)
    canvas = window.canvas
    key(window, Qt.Key.Key_Plus)
    assert canvas.zoom == pytest.approx(1.25)
    assert "125%" in window.zoom_label.text()
    key(window, Qt.Key.Key_Minus)
    key(window, Qt.Key.Key_BracketRight)
    assert canvas.rotation == 90
    key(window, Qt.Key.Key_H)
    assert canvas.flipped_h
    key(window, Qt.Key.Key_H, Qt.KeyboardModifier.ShiftModifier)
    assert canvas.flipped_v
    key(window, Qt.Key.Key_BracketLeft)
    key(window, Qt.Key.Key_BracketLeft)
    assert canvas.rotation == 270
    # A ruler drawn on the turned, mirrored view is still measured in image pixels.
    key(window, Qt.Key.Key_R)
    drag(window, (250, 150), (250, 300))
    ruler = canvas.layer.items()[0].to_measurement()  # type: ignore[attr-defined]
    assert ruler.points[0] == pytest.approx((250, 150), abs=1.5)
    assert ruler.length_mm(CALIBRATION) == pytest.approx(3.0, abs=0.05)
    key(window, Qt.Key.Key_F)
    assert canvas.zoom == pytest.approx(canvas.fit_zoom())
    key(window, Qt.Key.Key_1)
    assert canvas.zoom == pytest.approx(1.0)


def test_brightness_and_contrast_change_the_display_only(
    qtbot: QtBot, source: MemoryImageSource, open_viewer: Callable[..., ViewerWindow]
) -> None:
    image = source.add_file(fullres_images()[8])
    stored = source.full_image(ACTOR, image.id).rgb
    window = open_viewer(image.id)
    item = window.canvas.image_item
    assert item is not None
    before = item.levels[-1].image.pixelColor(300, 225).lightness()
    key(window, Qt.Key.Key_B)
    key(window, Qt.Key.Key_B)
    key(window, Qt.Key.Key_K)
    assert window.canvas.adjustment == Adjustment(20, 1.1)
    qtbot.waitUntil(
        lambda: item.levels[-1].image.pixelColor(300, 225).lightness() > before, timeout=WAIT_MS
    )
    level = item.levels[-1]
    assert level.rgb.tobytes() == stored  # the kept rows are the decoded pixels, unchanged
    assert source.full_image(ACTOR, image.id).rgb == stored
    assert not window.dirty  # nothing to save: an adjustment is not part of the image
    key(window, Qt.Key.Key_0)
    assert window.canvas.adjustment.is_identity
    qtbot.waitUntil(
        lambda: item.levels[-1].image.pixelColor(300, 225).lightness() == before, timeout=WAIT_MS
    )


def test_progressive_display_swaps_in_full_resolution_without_moving(
    qtbot: QtBot, tasks: TaskRunner, source: MemoryImageSource, settings: QSettings
) -> None:
    image = source.add_file(fullres_images()[9], size=(3200, 2400), calibration=CALIBRATION)
    window = ViewerWindow(source, ACTOR, tasks, image.id, settings=settings)
    qtbot.addWidget(window)
    window.resize(1100, 760)
    window.show()
    qtbot.waitExposed(window)
    at_preview: dict[str, object] = {}

    def record(_image: object) -> None:
        canvas = window.canvas
        assert canvas.image_item is not None
        at_preview["widths"] = [lv.width for lv in canvas.image_item.levels]
        at_preview["transform"] = canvas.transform()
        at_preview["centre"] = canvas.mapToScene(canvas.viewport().rect().center())

    window.loaded.connect(record)
    with qtbot.waitSignal(window.full_resolution_shown, timeout=WAIT_MS):
        window.load()
    canvas = window.canvas
    assert at_preview["widths"] == [1600]  # the reduced image came first
    assert canvas.image_item is not None
    assert [lv.width for lv in canvas.image_item.levels] == [1600, 3200]
    assert canvas.image_size() == (3200, 2400)  # scene = full-image pixels throughout
    assert canvas.transform() == at_preview["transform"]
    assert canvas.mapToScene(canvas.viewport().rect().center()) == at_preview["centre"]
    assert source.full_decodes == 1


def test_shortcut_sheet_lists_every_tool(
    source: MemoryImageSource, open_viewer: Callable[..., ViewerWindow]
) -> None:
    image = source.add_file(fullres_images()[10])
    window = open_viewer(image.id)
    sheet = window.show_shortcuts()
    keys = {sheet.table.item(row, 0).text() for row in range(sheet.table.rowCount())}
    assert {tool.shortcut for tool in Tool} <= keys
    assert {"Ctrl+S", "Delete / Backspace", "[", "]", "B", "Shift+K"} <= keys
    sheet.close()


def test_real_stack_ruler_on_a_calibrated_imported_image(
    qtbot: QtBot, gate: object, tasks: TaskRunner, settings: QSettings
) -> None:
    images = fullres_images()
    from tests.ui.chart_support import register_patient, session_for

    clinic = gate.unlock()  # type: ignore[attr-defined]
    services = getattr(clinic, "services", None)
    if services is None or not hasattr(services, "images"):
        pytest.skip("the real imaging services are not wired into this clinic")
    from dermai_desktop.domain.imaging import Modality
    from dermai_desktop.domain.lesions import BodyPoint, BodyView, LesionDraft

    derm = session_for(clinic, "derm")
    patient = register_patient(clinic)
    lesion = services.lesions.add(
        derm.actor,
        patient.id,
        LesionDraft("L1", "Back", BodyPoint(BodyView.BACK, 0.5, 0.4), date(2025, 1, 6)),
    )
    result = services.images.import_files(
        derm.actor, lesion.id, [images[0]], Modality.DERMOSCOPIC_POLARISED, CALIBRATION
    )[0]
    assert result.image is not None, result.message
    window = ViewerWindow(services.images, derm.actor, tasks, result.image.id, settings=settings)
    qtbot.addWidget(window)
    window.resize(1100, 760)
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.full_resolution_shown, timeout=WAIT_MS):
        window.load()
    window.canvas.actual_size()
    window.canvas.centerOn(300, 225)
    key(window, Qt.Key.Key_R)
    drag(window, (100, 200), (400, 200))
    saved(qtbot, window)
    stored = services.images.images(derm.actor, lesion.id)[0]
    assert stored.overlay.measurements[0].length_mm(stored.calibration) == pytest.approx(
        6.0, abs=0.03
    )
    assert np.isclose(stored.calibration.mm_per_pixel, 0.02)
