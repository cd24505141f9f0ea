"""``python -m dermai_desktop``: the same as the ``dermai-desktop`` command."""

from __future__ import annotations

import sys

from dermai_desktop.cli import main

sys.exit(main())
