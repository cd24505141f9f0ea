"""Watch a camera or dermatoscope export folder for new photos, by polling (no Qt, no threads).

A file is offered once its size and modification time have not changed
between two scans, so a photo still being copied over USB or the network is
not imported half-written. Each file is offered once per ``FolderWatch``;
files already in the folder when watching starts count as new too (the user
chose the folder to import from it).
"""

from __future__ import annotations

import os
from pathlib import Path

from dermai_desktop.domain.errors import ExpectedError

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff", ".heic", ".heif"})


class WatchedFolderUnavailable(ExpectedError):
    title = "Watched folder unavailable"
    default_message = "The watched folder cannot be read any more."
    default_next_step = "Reconnect the camera or network drive, or choose the folder again."


class FolderWatch:
    """``scan()`` returns the new image files that have settled since the previous scan."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._pending: dict[str, tuple[int, int]] = {}  # name -> (size, mtime_ns) last seen
        self._offered: set[tuple[str, int, int]] = set()

    def scan(self) -> list[Path]:
        """New, settled image files, sorted by name; raise ``WatchedFolderUnavailable``."""
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            raise WatchedFolderUnavailable() from None
        seen: dict[str, tuple[int, int]] = {}
        ready: list[Path] = []
        for entry in entries:
            name = entry.name
            if name.startswith(".") or Path(name).suffix.lower() not in IMAGE_EXTENSIONS:
                continue
            try:
                if not entry.is_file():
                    continue
                stat = entry.stat()
            except OSError:
                continue  # vanished between listing and stat: look again next time
            signature = (stat.st_size, stat.st_mtime_ns)
            if (name, *signature) in self._offered:
                continue
            seen[name] = signature
            if stat.st_size > 0 and self._pending.get(name) == signature:
                ready.append(self.folder / name)
                self._offered.add((name, *signature))
                del seen[name]
        self._pending = seen
        return sorted(ready)
