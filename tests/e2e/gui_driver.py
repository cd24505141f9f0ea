"""Drives the real GUI process like a person: sign in, lock, unlock, sign out, quit.

Run as ``python -m tests.e2e.gui_driver DATA_DIR``; prints one line per step reached, so the
test can tell exactly where a real run stops. Uses the real ``app.run_gui`` event loop (the
one ``dermai-desktop demo`` runs), not a test harness.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from dermai_desktop.app import build_demo_gate, run_gui
from dermai_desktop.demo import DEMO_ACCOUNTS


def _visible(class_name: str) -> QWidget | None:
    for widget in QApplication.topLevelWidgets():
        if type(widget).__name__ == class_name and widget.isVisible():
            return widget
    return None


def main() -> int:
    gate = build_demo_gate(Path(sys.argv[1]), fast=True, patients=3)
    app = QApplication.instance() or QApplication(sys.argv)  # timers need the event loop's thread
    manager = DEMO_ACCOUNTS[0]
    steps: list[tuple[int, object]] = []

    def step(delay_ms: int):  # type: ignore[no-untyped-def]
        def register(fn):  # type: ignore[no-untyped-def]
            steps.append((delay_ms, fn))
            return fn

        return register

    @step(1500)
    def sign_in() -> None:
        dialog = _visible("LoginDialog")
        assert dialog is not None, "no sign-in window"
        print("LOGIN_SHOWN", flush=True)
        dialog.username_edit.setText(manager.username)  # type: ignore[attr-defined]
        dialog.password_edit.setText(manager.password)  # type: ignore[attr-defined]
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)  # type: ignore[attr-defined]

    @step(2500)
    def lock() -> None:
        window = _visible("MainWindow")
        assert window is not None, "the main window did not appear after signing in"
        print("MAIN_WINDOW_SHOWN", flush=True)
        window.lock()  # type: ignore[attr-defined]

    @step(1000)
    def unlock() -> None:
        window = _visible("MainWindow")
        assert window is not None, "the main window disappeared"
        assert window.is_locked, "the window did not lock"  # type: ignore[attr-defined]
        print("LOCKED", flush=True)
        window.lock_screen.password_edit.setText(manager.password)  # type: ignore[attr-defined]
        window.lock_screen.unlock_button.click()  # type: ignore[attr-defined]

    @step(2000)
    def sign_out() -> None:
        window = _visible("MainWindow")
        assert window is not None, "the main window disappeared"
        assert not window.is_locked, "unlock failed"  # type: ignore[attr-defined]
        print("UNLOCKED", flush=True)
        window.sign_out_button.click()  # type: ignore[attr-defined]

    @step(1500)
    def impatient_enter() -> None:
        dialog = _visible("LoginDialog")
        assert dialog is not None, "signing out did not return to the sign-in window"
        print("SIGNED_OUT", flush=True)
        dialog.username_edit.setText(manager.username)  # type: ignore[attr-defined]
        dialog.password_edit.setText("not-the-password")  # type: ignore[attr-defined]
        dialog.password_edit.setFocus()  # type: ignore[attr-defined]
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        # A second Enter while the first sign-in is still checking must not press Quit.
        QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)  # type: ignore[attr-defined]
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)

    @step(2500)
    def close() -> None:
        dialog = _visible("LoginDialog")
        assert dialog is not None, "a double Enter closed the sign-in window"
        print("STILL_THERE", flush=True)
        QApplication.instance().exit(0)  # type: ignore[union-attr]

    elapsed = 0
    for delay, fn in steps:
        elapsed += delay

        def run(fn=fn) -> None:  # type: ignore[no-untyped-def]
            try:
                fn()  # type: ignore[operator]
            except Exception as exc:  # any failure ends the run with its reason
                print(f"FAILED: {exc}", flush=True)
                QApplication.instance().exit(3)  # type: ignore[union-attr]

        QTimer.singleShot(elapsed, run)
    assert app is not None
    return run_gui(gate)


if __name__ == "__main__":
    sys.exit(main())
