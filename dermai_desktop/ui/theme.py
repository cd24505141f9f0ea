"""Themes (light/dark style sheets) and the SVG icon loader."""

from __future__ import annotations

import logging
import re
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

import dermai_desktop

logger = logging.getLogger(__name__)

THEMES = ("light", "dark")
DEFAULT_THEME = "light"
_THEME_PROPERTY = "dermai_theme"
_DEFINE = re.compile(r"@define\s+([a-z_]+)\s*:\s*([^;]+);")
_TOKEN = re.compile(r"@([a-z_]+)")
_ICON_SIZES = (16, 20, 24, 32, 48)


def resources_dir() -> Path | None:
    """The ``resources/`` folder: beside the package in a checkout, else installed data.

    Returns None when neither exists (a broken install); callers then fall
    back to Qt's default look rather than refusing to start.
    """
    beside = Path(dermai_desktop.__file__).resolve().parent.parent / "resources"
    if (beside / "styles").is_dir():
        return beside
    try:
        installed = importlib_resources.files("dermai_desktop") / "resources"
        if installed.is_dir():
            return Path(str(installed))
    except (ModuleNotFoundError, OSError, TypeError):
        pass
    return None


@cache
def _read(relative: str) -> str | None:
    root = resources_dir()
    if root is None:
        return None
    path = root / relative
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        logger.warning("resource missing: %s", relative)
        return None


def theme_tokens(name: str) -> dict[str, str]:
    """The colour tokens a theme file defines (``@define accent: #17708a;``)."""
    text = _read(f"styles/{name}.qss") or ""
    return {key: value.strip() for key, value in _DEFINE.findall(text)}


def area_stylesheets(name: str) -> list[str]:
    """The area files for theme ``name``: every other ``styles/*.qss``, sorted by file name.

    Each screen area keeps its rules in its own file (``schedule.qss``,
    ``chart.qss``...) written with the same ``@tokens``, so one file serves both
    themes. A rule that must differ by theme goes in ``<area>.<theme>.qss``
    (``schedule.dark.qss``), loaded only with that theme, after the shared ones.
    """
    root = resources_dir()
    if root is None:
        return []
    shared: list[str] = []
    specific: list[str] = []
    for path in sorted((root / "styles").glob("*.qss")):
        stem = path.name[: -len(".qss")]
        if stem == "base" or stem in THEMES:
            continue
        area, _, variant = stem.partition(".")
        if not variant:
            shared.append(path.name)
        elif variant == name and area:
            specific.append(path.name)
    return [f"styles/{file}" for file in shared + specific]


def build_stylesheet(name: str) -> str:
    """base.qss, then every area file, then the theme's own rules; tokens filled in."""
    base = _read("styles/base.qss")
    theme_text = _read(f"styles/{name}.qss")
    if base is None or theme_text is None:
        return ""
    tokens = theme_tokens(name)
    root = resources_dir()
    tokens["icons"] = (root / "icons").as_posix() if root else ""
    areas = [text for file in area_stylesheets(name) if (text := _read_fresh(file)) is not None]
    extra = _DEFINE.sub("", theme_text)

    def replace(match: re.Match[str]) -> str:
        return tokens.get(match.group(1), match.group(0))

    return _TOKEN.sub(replace, "\n".join([base, *areas, extra]))


def _read_fresh(relative: str) -> str | None:
    # Area files are few and read only when a theme is applied; not cached, so a file
    # another area adds is picked up by the next theme switch.
    root = resources_dir()
    if root is None:
        return None
    try:
        return (root / relative).read_text(encoding="utf-8")
    except OSError:
        logger.warning("style sheet unreadable: %s", relative)
        return None


def apply_theme(app: QApplication, name: str) -> str:
    """Apply ``name`` (unknown names fall back to light); return the theme used."""
    if name not in THEMES:
        logger.info("unknown theme %r; using %s", name, DEFAULT_THEME)
        name = DEFAULT_THEME
    app.setStyle("Fusion")  # the same widget shapes on Windows, macOS and Linux
    font = QFont(app.font())
    font.setPointSizeF(10.5)
    app.setFont(font)
    tokens = theme_tokens(name)
    if tokens:
        app.setPalette(_palette(tokens))
    app.setProperty(_THEME_PROPERTY, name)
    app.setStyleSheet(build_stylesheet(name))
    return name


def current_theme() -> str:
    app = QApplication.instance()
    value = app.property(_THEME_PROPERTY) if app is not None else None
    return value if isinstance(value, str) else DEFAULT_THEME


def _palette(tokens: dict[str, str]) -> QPalette:
    # Widgets the style sheet does not reach (message boxes, print dialogs) follow the palette.
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "window",
        QPalette.ColorRole.WindowText: "text",
        QPalette.ColorRole.Base: "surface",
        QPalette.ColorRole.AlternateBase: "surface_alt",
        QPalette.ColorRole.Text: "text",
        QPalette.ColorRole.Button: "surface",
        QPalette.ColorRole.ButtonText: "text",
        QPalette.ColorRole.Highlight: "selection",
        QPalette.ColorRole.HighlightedText: "selection_text",
        QPalette.ColorRole.ToolTipBase: "surface",
        QPalette.ColorRole.ToolTipText: "text",
        QPalette.ColorRole.PlaceholderText: "muted",
        QPalette.ColorRole.Link: "accent",
    }
    for role, token in roles.items():
        if token in tokens:
            palette.setColor(role, QColor(tokens[token]))
    if "disabled" in tokens:
        for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText):
            palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(tokens["disabled"]))
    return palette


def icon(name: str, color: str | None = None) -> QIcon:
    """An icon from ``resources/icons/<name>.svg`` drawn in ``color`` (default: theme icon colour).

    The SVGs use ``currentColor``; Qt's SVG renderer has no CSS colour
    context, so the colour is substituted before rendering.
    """
    if color is None:
        color = theme_tokens(current_theme()).get("icon", "#3a5460")
    return _icon(name, color)


@cache
def _icon(name: str, color: str) -> QIcon:
    text = _read(f"icons/{name}.svg")
    if text is None:
        return QIcon()
    renderer = QSvgRenderer(QByteArray(text.replace("currentColor", color).encode()))
    if not renderer.isValid():
        return QIcon()
    result = QIcon()
    for size in _ICON_SIZES:
        pixmap = QPixmap(QSize(size, size) * 2)
        pixmap.setDevicePixelRatio(2.0)  # crisp on high-DPI screens
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(pixmap)
    return result


def pixmap(name: str, size: int, color: str | None = None) -> QPixmap:
    """An icon as a pixmap, for labels (lock screen, empty states)."""
    return icon(name, color).pixmap(QSize(size, size))


def token(name: str) -> str:
    """One colour token of the current theme (for the rare painted widget)."""
    return theme_tokens(current_theme()).get(name, "#000000")
