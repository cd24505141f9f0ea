"""Alembic migrations for the clinic database, run in code at start-up (no alembic.ini).

Alembic itself takes about 0.4 s to import, so it is loaded only when a
migration actually runs. Opening an up-to-date database needs just the
revision ids, which are read from the version files directly (a test keeps
that reading identical to Alembic's own).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import Connection

MIGRATIONS_DIR = Path(__file__).resolve().parent
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
_REVISION = re.compile(r'^revision(?:: str)? = "([^"]+)"$', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision(?:: [^=]+)? = (?:"([^"]+)"|None)$', re.MULTILINE)


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at this folder, bound to our keyed connection.

    The connection travels in ``config.attributes``: Alembic must never build
    its own engine, which would have no key.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


@cache
def revision_graph() -> dict[str, str | None]:
    """revision -> down_revision, read from the version files without importing Alembic."""
    graph: dict[str, str | None] = {}
    for path in sorted(VERSIONS_DIR.glob("[0-9]*.py")):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN_REVISION.search(text)
        if revision is None or down is None:  # pragma: no cover - guarded by a test
            raise RuntimeError(f"cannot read the revision ids of {path.name}")
        graph[revision.group(1)] = down.group(1)
    return graph


def head_revision() -> str:
    graph = revision_graph()
    parents = {down for down in graph.values() if down is not None}
    heads = [rev for rev in graph if rev not in parents]
    if len(heads) != 1:  # pragma: no cover - guarded by a test
        raise RuntimeError(f"expected one migration head, found {heads}")
    return heads[0]


def known_revisions() -> frozenset[str]:
    return frozenset(revision_graph())
