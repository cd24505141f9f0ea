"""The README stays true: its permission table and its test command match the code and CI."""

from __future__ import annotations

import re
from pathlib import Path

from dermai_desktop.domain.roles import permission_table_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_readme_permission_table_matches_the_matrix() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(
        r"<!-- permission-table:start -->\n(.*?)\n<!-- permission-table:end -->", readme, re.S
    )
    assert match is not None, "README lost its permission table markers"
    assert match.group(1).strip() == permission_table_markdown().strip()


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    assert len(commands) >= 2, "README must show the two set-up commands"
    test_command = commands[1].strip()
    assert test_command in ci, "CI must run exactly the README's test command"
    assert "pytest" in test_command
    assert "coverage report" in test_command
