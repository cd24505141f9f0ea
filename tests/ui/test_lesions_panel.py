"""The Lesions tab against the real demo stack: body map, form, filter, imports, watch folder."""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QMouseEvent,
)
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from dermai_desktop.domain.body_map import site_at
from dermai_desktop.domain.ids import LesionId
from dermai_desktop.domain.imaging import ConsentScope, Modality
from dermai_desktop.domain.lesions import BodyPoint, BodyView, Lesion, LesionDraft, LesionStatus
from dermai_desktop.domain.patients import Patient
from dermai_desktop.services.startup import ClinicGate, UnlockedClinic
from dermai_desktop.ui.screens.lesions_panel import LesionsPanel
from dermai_desktop.ui.session import Session
from dermai_desktop.ui.tasks import TaskRunner
from dermai_desktop.ui.widgets.lesion_list import ID_ROLE
from tests.ui.chart_support import WAIT_MS, open_chart, register_patient, session_for

ARM = BodyPoint(BodyView.FRONT, 0.70, 0.32)  # the patient's left upper arm, from the front
SHIN = BodyPoint(BodyView.FRONT, 0.42, 0.82)  # the patient's right shin


@dataclass
class Clinic:
    clinic: UnlockedClinic
    derm: Session
    patient: Patient


@pytest.fixture
def clinic(gate: ClinicGate) -> Clinic:
    unlocked = gate.unlock()
    if getattr(unlocked.services, "lesions", None) is None:
        pytest.skip("the lesion services are not wired into this build")
    return Clinic(unlocked, session_for(unlocked, "derm"), register_patient(unlocked))


def _panel(
    qtbot: QtBot, session: Session, tasks: TaskRunner, patient: Patient, **kw: object
) -> LesionsPanel:
    panel = LesionsPanel(session, tasks, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    panel.resize(1200, 820)
    panel.show()
    panel.set_patient(str(patient.id))
    tasks.wait_idle(WAIT_MS)
    return panel


def _add(
    c: Clinic, label: str, point: BodyPoint, status: LesionStatus = LesionStatus.WATCH
) -> Lesion:
    site = site_at(point.view, point.x, point.y) or "Trunk"
    draft = LesionDraft(label, site, point, date(2024, 3, 1), status)
    return c.clinic.services.lesions.add(c.derm.actor, c.patient.id, draft)


def _png(path: Path, colour: str = "#a0522d", side: int = 96) -> Path:
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    assert image.save(str(path), "PNG")
    return path


def _send(
    widget: QApplication | object, kind: QEvent.Type, pos: QPointF, buttons: Qt.MouseButton
) -> None:
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    event = QMouseEvent(kind, pos, pos, button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)  # type: ignore[arg-type]


def _drag(widget: object, start: QPointF, end: QPointF) -> None:
    left = Qt.MouseButton.LeftButton
    _send(widget, QEvent.Type.MouseButtonPress, start, left)
    for step in range(1, 6):
        point = start + (end - start) * (step / 5)
        _send(widget, QEvent.Type.MouseMove, point, left)
    _send(widget, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)


def test_place_a_marker_by_clicking_fills_the_site_and_saves(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner
) -> None:
    panel = _panel(qtbot, clinic.derm, tasks, clinic.patient)
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert panel.map.placing
    spot = panel.map.to_widget(ARM).toPoint()
    qtbot.mouseClick(panel.map, Qt.MouseButton.LeftButton, pos=spot)
    assert panel.form.site.text() == "Left upper arm, anterior"
    assert panel.form.label.text() == "L1"
    panel.form.impression.setPlainText("Pink papule, 4 mm")
    qtbot.mouseClick(panel.form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(panel.lesions) == 1, timeout=WAIT_MS)
    tasks.wait_idle(WAIT_MS)
    stored = clinic.clinic.services.lesions.lesions(clinic.derm.actor, clinic.patient.id)
    assert [(x.label, x.site, x.impression) for x in stored] == [
        ("L1", "Left upper arm, anterior", "Pink papule, 4 mm")
    ]
    assert stored[0].position.view is BodyView.FRONT
    assert abs(stored[0].position.x - ARM.x) < 0.01
    assert panel.map.selected() == str(stored[0].id)
    assert panel.list.current_id() == str(stored[0].id)


def test_clicking_off_the_figure_places_nothing(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner
) -> None:
    panel = _panel(qtbot, clinic.derm, tasks, clinic.patient)
    panel.start_placing()
    corner = panel.map.to_widget(BodyPoint(BodyView.FRONT, 0.02, 0.5)).toPoint()
    qtbot.mouseClick(panel.map, Qt.MouseButton.LeftButton, pos=corner)
    assert panel.form.position is None
    assert not panel.form.isEnabled()


def test_drag_a_marker_moves_it_and_re_suggests_the_site(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner
) -> None:
    lesion = _add(clinic, "L1", ARM)
    panel = _panel(qtbot, clinic.derm, tasks, clinic.patient)
    _drag(panel.map, panel.map.to_widget(ARM), panel.map.to_widget(SHIN))
    assert panel.form.site.text() == "Right shin"
    tasks.wait_idle(WAIT_MS)
    moved = clinic.clinic.services.lesions.get(clinic.derm.actor, lesion.id)
    assert moved.site == "Right shin"
    assert abs(moved.position.y - SHIN.y) < 0.01
    assert moved.version == lesion.version + 1


def test_a_site_written_by_hand_is_kept_when_the_marker_moves(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner
) -> None:
    lesion = _add(clinic, "L1", ARM)
    panel = _panel(qtbot, clinic.derm, tasks, clinic.patient)
    panel.list.select(str(lesion.id))
    panel._list_selected(str(lesion.id))
    panel.form.site.clear()
    qtbot.keyClicks(panel.form.site, "Beside the vaccination scar")
    _drag(panel.map, panel.map.to_widget(ARM), panel.map.to_widget(SHIN))
    assert panel.form.site.text() == "Beside the vaccination scar"
    assert panel.form.use_suggestion.isVisibleTo(panel.form)
    assert "Right shin" in panel.form.use_suggestion.text()
    tasks.wait_idle(WAIT_MS)
    moved = clinic.clinic.services.lesions.get(clinic.derm.actor, lesion.id)
    assert moved.site == lesion.site  # the record keeps its site until the form is saved
    assert abs(moved.position.y - SHIN.y) < 0.01


def test_keyboard_selects_markers_and_the_list_follows(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner
) -> None:
    first = _add(clinic, "L1", ARM)
    second = _add(clinic, "L2", SHIN)
    panel = _panel(qtbot, clinic.derm, tasks, clinic.patient)
    assert panel.map.selected() == str(first.id)  # the tab opens on the first lesion
    panel.map.setFocus()
    qtbot.keyClick(panel.map, Qt.Key.Key_Right)
    assert panel.map.selected() == str(second.id)  # higher on the front view comes first
    assert panel.list.current_id() == str(second.id)
    assert panel.form.label.text() == "L2"


def test_form_save_updates_status_and_filter_by_status(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner
) -> None:
    watched = _add(clinic, "L1", ARM)
    _add(clinic, "L2", SHIN, LesionStatus.BENIGN)
    panel = _panel(qtbot, clinic.derm, tasks, clinic.patient)
    assert len(panel.list.visible_ids()) == 2
    panel.list.set_filter("active")
    assert panel.list.visible_ids() == [str(watched.id)]
    panel.list.set_filter(LesionStatus.BENIGN.value)
    assert len(panel.list.visible_ids()) == 1
    panel.list.set_filter("all")
    panel._list_selected(str(watched.id))
    box = panel.form.status_box
    box.setCurrentIndex(box.findData(LesionStatus.BIOPSY_PENDING.value))
    qtbot.mouseClick(panel.form.save_button, Qt.MouseButton.LeftButton)
    tasks.wait_idle(WAIT_MS)
    qtbot.waitUntil(lambda: "saved" in panel.status.text(), timeout=WAIT_MS)
    saved = clinic.clinic.services.lesions.get(clinic.derm.actor, watched.id)
    assert saved.status is LesionStatus.BIOPSY_PENDING
    panel.list.set_filter(LesionStatus.BIOPSY_PENDING.value)
    assert panel.list.visible_ids() == [str(watched.id)]


def test_import_shows_one_line_per_rejected_file_and_the_timeline(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner, tmp_path: Path
) -> None:
    lesion = _add(clinic, "L1", ARM)
    panel = _panel(qtbot, clinic.derm, tasks, clinic.patient)
    panel._list_selected(str(lesion.id))
    good = _png(tmp_path / "today.png")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    panel.intake.file_chooser = lambda _parent: [good, empty, text]
    qtbot.mouseClick(panel.strip.import_button, Qt.MouseButton.LeftButton)
    tasks.wait_idle(WAIT_MS)
    message = panel.status.text()
    assert message.startswith("Imported 1 image into L1.")
    lines = message.splitlines()
    assert [line.split(":")[0] for line in lines[1:]] == ["empty.jpg", "notes.png"]
    assert "Traceback" not in message
    qtbot.waitUntil(lambda: len(panel.strip.image_ids()) == 1, timeout=WAIT_MS)
    assert not panel.strip.thumbs.item(0).icon().isNull()


def _drop_files(widget: QWidget, pos: QPointF, files: list[Path]) -> bool:
    """Drag ``files`` over ``widget`` and drop them at ``pos``, as a file manager would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    action = Qt.DropAction.CopyAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    point = pos.toPoint()
    with warnings.catch_warnings():
        # PySide6 flags the QPoint constructors deprecated but offers no QPointF ones for drags.
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(point, action, mime, buttons, keys)
        move = QDragMoveEvent(point, action, mime, buttons, keys)
    QApplication.sendEvent(widget, enter)
    QApplication.sendEvent(widget, move)
    if not move.isAccepted():
        return False
    QApplication.sendEvent(widget, QDropEvent(pos, action, mime, buttons, keys))
    return True


def test_photos_dropped_on_a_marker_or_a_lesion_row_go_to_that_lesion(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner, tmp_path: Path
) -> None:
    arm = _add(clinic, "L1", ARM)
    shin = _add(clinic, "L2", SHIN)
    panel = _panel(qtbot, clinic.derm, tasks, clinic.patient)
    images = clinic.clinic.services.images

    # Onto the shin's marker on the body map: imported into L2, which becomes selected.
    marker = panel.map.to_widget(SHIN)
    assert _drop_files(panel.map, marker, [_png(tmp_path / "shin.png", "#703020")])
    tasks.wait_idle(WAIT_MS)
    assert panel.current_lesion_id() == str(shin.id)
    assert len(images.images(clinic.derm.actor, shin.id)) == 1

    # The bare body (no marker under the pointer) does not take photos.
    empty_spot = panel.map.to_widget(BodyPoint(BodyView.BACK, 0.5, 0.5))
    assert not _drop_files(panel.map, empty_spot, [_png(tmp_path / "nowhere.png")])

    # Onto the arm's row in the lesion list.
    rows = panel.list.rows
    row = next(i for i in range(rows.count()) if rows.item(i).data(ID_ROLE) == str(arm.id))
    centre = QPointF(rows.visualItemRect(rows.item(row)).center())
    assert _drop_files(rows.viewport(), centre, [_png(tmp_path / "arm.png", "#402010")])
    tasks.wait_idle(WAIT_MS)
    assert len(images.images(clinic.derm.actor, arm.id)) == 1
    assert len(images.images(clinic.derm.actor, shin.id)) == 1  # nothing else moved


@pytest.fixture
def no_temp_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("a pasted image must not go through a temp file")

    for name in (
        "mkstemp",
        "NamedTemporaryFile",
        "TemporaryFile",
        "mkdtemp",
        "SpooledTemporaryFile",
    ):
        monkeypatch.setattr(tempfile, name, refuse)
    return


def test_paste_imports_the_clipboard_picture_from_memory(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner, no_temp_files: None
) -> None:
    lesion = _add(clinic, "L1", ARM)
    panel = _panel(qtbot, clinic.derm, tasks, clinic.patient)
    panel._list_selected(str(lesion.id))
    tasks.wait_idle(WAIT_MS)
    picture = QImage(120, 80, QImage.Format.Format_RGB32)
    picture.fill(QColor("#8b5a2b"))
    QGuiApplication.clipboard().setImage(picture)
    panel.paste()
    tasks.wait_idle(WAIT_MS)
    assert panel.status.text().startswith("Imported 1 image into L1.")
    images = clinic.clinic.services.images.images(clinic.derm.actor, lesion.id)
    assert [(i.width, i.height) for i in images] == [(120, 80)]
    qtbot.waitUntil(lambda: len(panel.strip.image_ids()) == 1, timeout=WAIT_MS)
    QGuiApplication.clipboard().clear()


def test_paste_without_a_lesion_or_picture_says_so(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner
) -> None:
    panel = _panel(qtbot, clinic.derm, tasks, clinic.patient)
    panel.paste()
    assert "Select a lesion first" in panel.status.text()


class FakeWatch:
    """A folder watch that finds whatever the test puts in ``ready``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ready: list[Path] = []
        self.scans = 0

    def scan(self) -> list[Path]:
        self.scans += 1
        found, self.ready = self.ready, []
        return found


def test_watched_folder_offers_new_photos_for_the_selected_lesion(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner, tmp_path: Path
) -> None:
    lesion = _add(clinic, "L2", ARM)
    folder = tmp_path / "Dermatoscope"
    folder.mkdir()
    watches: list[FakeWatch] = []

    def factory(path: Path) -> FakeWatch:
        watches.append(FakeWatch(path))
        return watches[-1]

    panel = _panel(qtbot, clinic.derm, tasks, clinic.patient, folder_watch_factory=factory)
    panel._list_selected(str(lesion.id))
    panel.intake.folder_chooser = lambda _parent: folder
    assert panel.watch_button.isVisible()
    qtbot.mouseClick(panel.watch_button, Qt.MouseButton.LeftButton)
    tasks.wait_idle(WAIT_MS)
    assert watches
    assert watches[0].folder == folder
    assert not panel.offer_bar.isVisible()
    watches[0].ready = [_png(folder / f"IMG_{n}.png", side=64 + n) for n in range(3)]
    panel.intake.poll()
    tasks.wait_idle(WAIT_MS)
    assert panel.offer_bar.isVisible()
    assert panel.offer_bar.text.text() == "3 new photos in the Dermatoscope folder"
    assert panel.offer_bar.assign_button.text() == "Assign to L2"
    qtbot.mouseClick(panel.offer_bar.assign_button, Qt.MouseButton.LeftButton)
    tasks.wait_idle(WAIT_MS)
    assert not panel.offer_bar.isVisible()
    assert len(clinic.clinic.services.images.images(clinic.derm.actor, lesion.id)) == 3
    watches[0].ready = [_png(folder / "IMG_9.png", side=90)]
    panel.intake.poll()
    tasks.wait_idle(WAIT_MS)
    qtbot.mouseClick(panel.offer_bar.dismiss_button, Qt.MouseButton.LeftButton)
    assert not panel.offer_bar.isVisible()
    qtbot.mouseClick(panel.watch_button, Qt.MouseButton.LeftButton)  # stop watching
    assert panel.intake.watch is None
    assert not panel.intake.timer.isActive()


def test_panel_signals_for_the_shell(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner, tmp_path: Path
) -> None:
    lesion = _add(clinic, "L1", ARM)
    for n in range(2):
        clinic.clinic.services.images.import_files(
            clinic.derm.actor,
            lesion.id,
            [_png(tmp_path / f"v{n}.png", side=70 + n)],
            Modality.CLOSE_UP,
        )
    panel = _panel(qtbot, clinic.derm, tasks, clinic.patient)
    panel._list_selected(str(lesion.id))
    qtbot.waitUntil(lambda: len(panel.strip.image_ids()) == 2, timeout=WAIT_MS)
    with qtbot.waitSignal(panel.compare_requested) as compared:
        qtbot.mouseClick(panel.strip.compare_button, Qt.MouseButton.LeftButton)
    assert compared.args == [panel.strip.image_ids()]
    with qtbot.waitSignal(panel.view_requested) as viewed:
        qtbot.mouseClick(panel.strip.open_button, Qt.MouseButton.LeftButton)
    assert viewed.args == [panel.strip.image_ids()[-1]]
    with qtbot.waitSignal(panel.growth_requested) as growth:
        qtbot.mouseClick(panel.strip.growth_button, Qt.MouseButton.LeftButton)
    assert growth.args == [str(lesion.id)]
    with qtbot.waitSignal(panel.report_requested) as report:
        qtbot.mouseClick(panel.report_button, Qt.MouseButton.LeftButton)
    assert report.args == [[str(lesion.id)]]


def test_standing_consent_selector_saves(qtbot: QtBot, clinic: Clinic, tasks: TaskRunner) -> None:
    panel = _panel(qtbot, clinic.derm, tasks, clinic.patient)
    assert panel.consent.currentData() == ConsentScope.CARE_ONLY.value
    panel.consent.setCurrentIndex(panel.consent.findData(ConsentScope.TEACHING.value))
    panel.consent.activated.emit(panel.consent.currentIndex())
    tasks.wait_idle(WAIT_MS)
    scope = clinic.clinic.services.lesions.standing_consent(clinic.derm.actor, clinic.patient.id)
    assert scope is ConsentScope.TEACHING


def test_a_refused_role_sees_a_plain_message(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner
) -> None:
    front_desk = session_for(clinic.clinic, "frontdesk")
    panel = _panel(qtbot, front_desk, tasks, clinic.patient)
    assert panel.stack.currentWidget() is panel.refusal
    assert "not available" in panel.refusal.title_label.text()
    assert not panel.add_button.isEnabled()
    assert tasks.surface.last_box is None  # type: ignore[attr-defined]


def test_summary_shows_lesions_under_watch_and_opens_the_tab(
    qtbot: QtBot, clinic: Clinic, tasks: TaskRunner
) -> None:
    _add(clinic, "L1", ARM)
    _add(clinic, "L2", SHIN, LesionStatus.BENIGN)
    screen = open_chart(qtbot, clinic.derm, tasks, str(clinic.patient.id))
    assert screen.summary.count("lesions") == 1
    assert not screen.is_built("lesions")
    screen.show_tab("lesions")
    assert screen.is_built("lesions")
    tasks.wait_idle(WAIT_MS)
    assert len(screen.lesions.lesions) == 2
    screen.lesions.start_placing()
    spot = screen.lesions.map.to_widget(BodyPoint(BodyView.BACK, 0.5, 0.25)).toPoint()
    qtbot.mouseClick(screen.lesions.map, Qt.MouseButton.LeftButton, pos=spot)
    assert screen.lesions.form.site.text() == "Upper back"
    assert screen.lesions.form.label.text() == "L3"
    qtbot.mouseClick(screen.lesions.form.save_button, Qt.MouseButton.LeftButton)
    tasks.wait_idle(WAIT_MS)
    qtbot.waitUntil(lambda: screen.summary.count("lesions") == 2, timeout=WAIT_MS)
    assert LesionId(screen.lesions.lesions[0].id)
