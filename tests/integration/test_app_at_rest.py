"""The whole application, driven through its services, leaves nothing readable on disk."""

from __future__ import annotations

import base64
import logging
from datetime import date
from pathlib import Path

import pytest

from dermai_desktop.bootstrap import LocalClinicGate, SecurityProfile
from dermai_desktop.config import MachineConfig
from dermai_desktop.domain.errors import KeychainUnavailable
from dermai_desktop.domain.patients import FitzpatrickType, PatientDraft, Sex
from dermai_desktop.domain.roles import Role
from dermai_desktop.logging_setup import configure_logging, reset_logging
from dermai_desktop.paths import ensure_dirs, resolve_paths, use_private_tempdir
from dermai_desktop.services.dto import NoteText
from dermai_desktop.services.startup import ClinicSetupRequest, ClinicState
from dermai_desktop.storage.keychain import KeyStore
from dermai_desktop.storage.keys import KeySlots
from tests.keyring_memory import MemoryKeyring, install_memory_keyring

SENTINEL_NAME = "Zyxwvutsonian"
SENTINEL_NOTE = "Quillbrackenfold lesion on the left forearm"
MANAGER_PASSWORD = "harbour-violet-kettle-52"
DERM_PASSWORD = "granite-sparrow-lantern-17"


def _encodings(text: str) -> list[bytes]:
    return [
        text.encode("utf-8"),
        text.encode("utf-16-le"),
        text.encode("utf-16-be"),
        text.lower().encode("utf-8"),
        text.upper().encode("utf-8"),
    ]


def _key_encodings(key: bytes) -> list[bytes]:
    return [
        key,
        key.hex().encode(),
        key.hex().upper().encode(),
        base64.b64encode(key),
        base64.urlsafe_b64encode(key),
        base64.b64encode(key).rstrip(b"="),
        base64.b32encode(key).rstrip(b"="),
    ]


def _gate(data_dir: Path) -> LocalClinicGate:
    paths = resolve_paths(str(data_dir))
    ensure_dirs(paths)
    return LocalClinicGate(
        paths,
        MachineConfig.empty(),
        keystore_factory=lambda: KeyStore(timeout_seconds=5),
        security=SecurityProfile.fast(),
    )


def _build_clinic_with_sentinel(data_dir: Path) -> str:
    """A real (keychain) clinic with the sentinel patient, a signed note and logs."""
    gate = _gate(data_dir)
    recovery_key, clinic = gate.create_clinic(
        ClinicSetupRequest(
            "Sentinel Skin Clinic", "Room 2", "manager", "Morgan Blake", MANAGER_PASSWORD
        )
    )
    services = clinic.services
    manager = services.auth.login("manager", MANAGER_PASSWORD)
    services.users.add_user(manager, "derm", "Ada Okafor", Role.DERMATOLOGIST, DERM_PASSWORD)
    derm = services.auth.login("derm", DERM_PASSWORD)
    patient = services.patients.register(
        derm,
        PatientDraft(
            given_name=SENTINEL_NAME,
            family_name=SENTINEL_NAME,
            date_of_birth=date(1961, 7, 14),
            sex=Sex.FEMALE,
            phone="+44 7700 900123",
            email="zyxwvutsonian@example.com",
            fitzpatrick=FitzpatrickType.II,
        ),
    )
    chart = services.charts.open_chart(derm, patient.id)
    assert chart.patient.id == patient.id
    encounter = services.charts.start_encounter(derm, patient.id, "Mole check")
    note = services.charts.write_note(
        derm,
        encounter.id,
        NoteText(subjective=SENTINEL_NOTE, assessment=SENTINEL_NAME),
        patient_id=patient.id,
    )
    services.charts.sign_note(derm, note.id)
    gate.close()
    return recovery_key


def _scan(data_dir: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        content = path.read_bytes()
        found += [f"{path.name}: {n[:12]!r}" for n in needles if n in content]
    return found


def test_nothing_readable_in_the_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "clinic"
    paths = resolve_paths(str(data_dir))
    ensure_dirs(paths)
    tempdir = use_private_tempdir(paths)
    configure_logging(paths.log_dir, level="DEBUG", console=False, debug=False)
    try:
        recovery_key = _build_clinic_with_sentinel(data_dir)
    finally:
        logging.shutdown()
        reset_logging()
        tempdir.close()

    dek = KeySlots.load(paths.keyslots_path).unlock_with_recovery_key(recovery_key)
    files = sorted(p.name for p in data_dir.rglob("*") if p.is_file())
    assert "clinic.db" in files
    assert "keyslots.json" in files
    assert any(name.endswith(".jsonl") for name in files), files  # logs were written

    needles = _encodings(SENTINEL_NAME) + _encodings(SENTINEL_NOTE) + _key_encodings(dek)
    needles += [b"1961-07-14", b"7700 900123", b"zyxwvutsonian@example.com"]
    assert _scan(data_dir, needles) == []


def test_the_scan_would_find_plaintext(tmp_path: Path) -> None:
    """Guard against a scan that cannot fail: a planted plaintext copy is found."""
    (tmp_path / "leak.txt").write_text(f"patient {SENTINEL_NAME}", encoding="utf-16-le")
    assert _scan(tmp_path, _encodings(SENTINEL_NAME)) != []


def test_empty_keychain_never_creates_a_new_key_or_database(tmp_path: Path) -> None:
    data_dir = tmp_path / "clinic"
    ring = MemoryKeyring()
    with install_memory_keyring(ring):
        recovery_key = _build_clinic_with_sentinel(data_dir)
        before = {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()}
        ring.entries.clear()  # the keychain lost its secret (OS reinstall, profile reset)

        gate = _gate(data_dir)
        assert gate.state() is ClinicState.LOCKED
        with pytest.raises(KeychainUnavailable) as caught:
            gate.unlock()
        assert "recovery key" in caught.value.user_text()
        after = {p.name: p.read_bytes() for p in data_dir.iterdir() if p.is_file()}
        assert after == before  # nothing created, nothing rewritten

        # The recovery key opens it and re-links the keychain for next time.
        clinic = gate.unlock_with_recovery_key(recovery_key.lower().replace("-", " "))
        assert clinic.clinic_name == "Sentinel Skin Clinic"
        gate.close()
        assert ring.entries, "the keychain was re-linked"
        assert _gate(data_dir).unlock().clinic_name == "Sentinel Skin Clinic"
