"""``db check`` also reads every image back from the encrypted store (real clinic, real blobs)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from dermai_desktop.app import build_demo_gate
from dermai_desktop.bootstrap import LocalClinicGate
from dermai_desktop.db_tools import check_database, check_image_store
from dermai_desktop.demo_images import LesionLook, render
from dermai_desktop.domain.imaging import LesionImage, Modality
from dermai_desktop.domain.lesions import BodyPoint, BodyView, LesionDraft
from dermai_desktop.domain.patients import PatientDraft, Sex


class CheckFailed(Exception):
    pass


def _clinic_with_two_photos(tmp_path: Path) -> tuple[LocalClinicGate, list[LesionImage]]:
    gate = build_demo_gate(tmp_path / "demo", fast=True, patients=0)
    clinic = gate.unlock()
    account = {a.username: a for a in clinic.demo_accounts}
    derm = clinic.services.auth.login("derm", account["derm"].password)
    desk = clinic.services.auth.login("frontdesk", account["frontdesk"].password)
    patient = clinic.services.patients.register(
        desk, PatientDraft("Ada", "Checkwell", date(1970, 1, 2), Sex.FEMALE)
    )
    lesion = clinic.services.lesions.add(
        derm,
        patient.id,
        LesionDraft("L1", "Upper back", BodyPoint(BodyView.BACK, 0.5, 0.3), date(2024, 1, 1)),
    )
    images = []
    for visit in range(2):
        photo = render(LesionLook(seed=7), visit=visit, taken_at=datetime(2024, 3 + visit, 1, 9))
        result = clinic.services.images.import_bytes(
            derm, lesion.id, photo.jpeg, Modality.DERMOSCOPIC_POLARISED
        )
        assert result.image is not None, result.message
        images.append(result.image)
    return gate, images


def test_every_image_is_decrypted_and_a_changed_or_missing_one_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gate, (first, second) = _clinic_with_two_photos(tmp_path)
    store = gate.image_adapters.store
    clean = check_image_store(gate)
    assert (clean.ok, clean.checked) == (True, 2)

    damaged_blob = store.path_for(first.sha256)
    data = bytearray(damaged_blob.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit in the ciphertext
    damaged_blob.write_bytes(bytes(data))
    store.path_for(second.sha256).unlink()

    report = check_image_store(gate)
    assert not report.ok
    assert report.damaged == (first.id,)
    assert report.missing == (second.id,)

    clinic = gate.unlock()
    with pytest.raises(CheckFailed):
        check_database(gate, clinic, as_json=False, fail=CheckFailed)
    printed = capsys.readouterr().out
    assert "Database OK" in printed
    assert f"damaged or changed: {first.id}" in printed
    assert f"missing: {second.id}" in printed
    assert "Checkwell" not in printed  # ids only, never a name


def test_a_clean_store_passes_the_full_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gate, _images = _clinic_with_two_photos(tmp_path)
    clinic = gate.unlock()
    assert check_database(gate, clinic, as_json=False, fail=CheckFailed) == 0
    assert "Images OK: 2 images decrypted and verified." in capsys.readouterr().out
