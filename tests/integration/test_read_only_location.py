"""A data directory that cannot be written: a plain message, and the clinic is untouched.

Tests run as root, which ignores permission bits, so the directory is made immutable with
``chattr +i`` (honoured even for root on ext4/xfs/btrfs); elsewhere the test skips.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dermai_desktop.domain.errors import ReadOnlyLocation
from dermai_desktop.paths import ensure_dirs, resolve_paths
from dermai_desktop.storage.database import create_clinic_database, open_database


@pytest.fixture
def immutable_clinic(tmp_path: Path) -> Iterator[tuple[Path, bytes, str]]:
    data_dir = tmp_path / "clinic"
    dek = os.urandom(32)
    create_clinic_database(data_dir, dek)
    open_database(data_dir, dek).close()
    digest = hashlib.sha256((data_dir / "clinic.db").read_bytes()).hexdigest()
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("chattr is not available to make a directory read-only for root")
    made = subprocess.run([chattr, "+i", str(data_dir)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip("this file system does not support the immutable attribute")
    try:
        yield data_dir, dek, digest
    finally:
        subprocess.run([chattr, "-i", str(data_dir)], check=True)


def test_opening_a_clinic_in_a_read_only_directory_says_so(
    immutable_clinic: tuple[Path, bytes, str],
) -> None:
    data_dir, dek, digest = immutable_clinic
    with pytest.raises(ReadOnlyLocation) as caught:
        open_database(data_dir, dek)
    assert "cannot be written" in caught.value.user_text()
    with pytest.raises(ReadOnlyLocation) as again:
        ensure_dirs(resolve_paths(str(data_dir)))
    assert "cannot write" in again.value.user_text()
    # Nothing was lost or changed.
    assert hashlib.sha256((data_dir / "clinic.db").read_bytes()).hexdigest() == digest
