"""The imaging adapter's way out: decoding, report JPEGs, file export, DICOM, watched folder."""

from __future__ import annotations

import hashlib
import io
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image

from dermai_desktop.domain.ids import ImageId, LesionId, PatientId
from dermai_desktop.domain.imaging import (
    Calibration,
    CalibrationSource,
    ConsentScope,
    LesionImage,
    Modality,
)
from dermai_desktop.imaging import FileImageExporter, FolderWatch, PillowDecoder, PillowIngestor
from dermai_desktop.imaging.export import ImageExportFailed
from dermai_desktop.imaging.watch_folder import WatchedFolderUnavailable
from dermai_desktop.services.imaging_ports import ExportItem, PreparedImage
from tests.imaging_samples import SERIAL, encoded, jpeg_with_metadata, real_or_synthetic
from tests.shared_data import fullres_images


def lesion_image(
    prepared: PreparedImage, modality: Modality = Modality.CLINICAL_OVERVIEW
) -> LesionImage:
    return LesionImage(
        id=ImageId("01900000-0000-7000-8000-0000000000a1"),
        patient_id=PatientId("01900000-0000-7000-8000-0000000000b2"),
        lesion_id=LesionId("01900000-0000-7000-8000-0000000000c3"),
        sha256=hashlib.sha256(prepared.data).hexdigest(),
        media_type=prepared.media_type,
        width=prepared.width,
        height=prepared.height,
        byte_size=len(prepared.data),
        modality=modality,
        captured_at=datetime(2025, 11, 3, 14, 25, 36, tzinfo=UTC),
        imported_at=datetime(2025, 11, 4, 9, 0, tzinfo=UTC),
        consent=ConsentScope.CARE_ONLY,
        calibration=Calibration(0.025, CalibrationSource.DEVICE_DEFAULT),
        device=prepared.device,
    )


@pytest.fixture(scope="module")
def real_jpeg() -> PreparedImage:
    return PillowIngestor().prepare_file(fullres_images()[2])


# --- decoder ----------------------------------------------------------------------------


def test_preview_is_reduced_and_full_decode_is_exact(real_jpeg: PreparedImage) -> None:
    decoder = PillowDecoder()
    full = decoder.decode(real_jpeg.data, real_jpeg.media_type)
    assert (full.width, full.height) == (real_jpeg.width, real_jpeg.height)
    assert (full.full_width, full.full_height) == (full.width, full.height)
    with Image.open(io.BytesIO(real_jpeg.data)) as reference:
        assert full.rgb == reference.convert("RGB").tobytes()
    preview = decoder.decode(real_jpeg.data, real_jpeg.media_type, max_side=200)
    assert max(preview.width, preview.height) == 200
    assert (preview.full_width, preview.full_height) == (real_jpeg.width, real_jpeg.height)
    assert len(preview.rgb) == preview.width * preview.height * 3


def test_big_jpeg_preview_uses_draft_mode_and_is_fast() -> None:
    big = real_or_synthetic(fullres_images()[0]).resize((6000, 4000), Image.Resampling.BILINEAR)
    prepared = PillowIngestor().prepare_bytes(encoded(big, "JPEG", quality=90))
    decoder = PillowDecoder()
    decoder.decode(prepared.data, prepared.media_type, max_side=1600)  # warm-up
    start = time.perf_counter()
    preview = decoder.decode(prepared.data, prepared.media_type, max_side=1600)
    elapsed = time.perf_counter() - start
    assert (preview.width, preview.height) == (1600, 1067)
    assert (preview.full_width, preview.full_height) == (6000, 4000)
    assert elapsed < 1.0  # generous for a busy CI machine; the benchmark holds the real figure


def test_png_and_report_jpeg(real_jpeg: PreparedImage) -> None:
    decoder = PillowDecoder()
    png = PillowIngestor().prepare_bytes(encoded(real_or_synthetic(None, (500, 300)), "PNG"))
    decoded = decoder.decode(png.data, png.media_type, max_side=250)
    assert (decoded.width, decoded.height) == (250, 150)
    for prepared in (real_jpeg, png):
        report = decoder.report_jpeg(prepared.data, prepared.media_type, 120)
        with Image.open(io.BytesIO(report)) as image:
            assert image.format == "JPEG"
            assert max(image.size) == 120
            assert not image.getexif()


# --- plain files ------------------------------------------------------------------------


def test_write_files_never_overwrites(tmp_path: Path, real_jpeg: PreparedImage) -> None:
    exporter = FileImageExporter()
    png = PillowIngestor().prepare_bytes(encoded(real_or_synthetic(None), "PNG"))
    (tmp_path / "image-1-close_up.jpg").write_bytes(b"someone else's file")
    items = [
        ExportItem(lesion_image(real_jpeg), real_jpeg.data, "image-1-close_up"),
        ExportItem(lesion_image(real_jpeg), real_jpeg.data, "image-1-close_up"),
        ExportItem(lesion_image(png), png.data, "image-2-overview"),
    ]
    written = exporter.write_files(items, tmp_path)
    assert [p.name for p in written] == [
        "image-1-close_up-2.jpg",
        "image-1-close_up-3.jpg",
        "image-2-overview.png",
    ]
    assert (tmp_path / "image-1-close_up.jpg").read_bytes() == b"someone else's file"
    assert written[0].read_bytes() == real_jpeg.data
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    with pytest.raises(ImageExportFailed):
        exporter.write_files(items, tmp_path / "missing")


# --- DICOM ------------------------------------------------------------------------------


def _dicom(tmp_path: Path, prepared: PreparedImage, modality: Modality, **overrides: str) -> Path:
    fields = {
        "patient_name": "Zyxwvutsonian^Ada",
        "patient_id": "DA000042",
        "birth_date": "1961-04-12",
        "sex": "female",
        "body_site": "Left upper back",
        "study_description": "Lesion photography",
    }
    fields.update(overrides)
    return FileImageExporter().write_dicom(
        lesion_image(prepared, modality), prepared.data, tmp_path / "lesion.dcm", **fields
    )


def test_dicom_jpeg_baseline_reads_back(tmp_path: Path, real_jpeg: PreparedImage) -> None:
    path = _dicom(tmp_path, real_jpeg, Modality.DERMOSCOPIC_POLARISED)
    ds = pydicom.dcmread(path)
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.77.1.4"
    assert ds.file_meta.TransferSyntaxUID == pydicom.uid.JPEGBaseline8Bit
    assert ds.Modality == "XC"
    assert str(ds.PatientName) == "Zyxwvutsonian^Ada"
    assert ds.PatientID == "DA000042"
    assert ds.PatientBirthDate == "19610412"
    assert ds.PatientSex == "F"
    assert ds.AcquisitionDateTime == "20251103142536+0000"
    assert ds.StudyDate == "20251103"
    assert "Left upper back" in ds.ImageComments
    assert ds.LightSourcePolarization == "POLARIZED"
    assert ds.RecognizableVisualFeatures == "NO"
    assert "ContactMethod" in ds
    assert "OpticalMagnificationFactor" in ds
    assert [float(v) for v in ds.PixelSpacing] == [0.025, 0.025]
    assert (ds.Rows, ds.Columns) == (real_jpeg.height, real_jpeg.width)
    assert ds.LossyImageCompression == "01"
    pixels = ds.pixel_array
    with Image.open(io.BytesIO(real_jpeg.data)) as reference:
        expected = np.asarray(reference.convert("RGB"))
    assert pixels.shape == expected.shape
    assert np.abs(pixels.astype(int) - expected.astype(int)).mean() < 2.0


def test_dicom_rotated_jpeg_written_upright_as_rgb(tmp_path: Path) -> None:
    upright = real_or_synthetic(fullres_images()[3])
    raw = upright.transpose(Image.Transpose.ROTATE_90)
    prepared = PillowIngestor().prepare_bytes(jpeg_with_metadata(raw, orientation=6))
    path = _dicom(tmp_path, prepared, Modality.DERMOSCOPIC_NON_POLARISED)
    raw_file = path.read_bytes()
    assert SERIAL.encode() not in raw_file
    assert b"Exif" not in raw_file
    ds = pydicom.dcmread(path)
    assert ds.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    assert ds.PhotometricInterpretation == "RGB"
    assert ds.LightSourcePolarization == "NON_POLARIZED"
    assert ds.ManufacturerModelName == "Canfield VEOS HD2"
    decoded = PillowDecoder().decode(prepared.data, prepared.media_type)
    assert (ds.Columns, ds.Rows) == (decoded.width, decoded.height) == upright.size
    assert ds.pixel_array.tobytes() == decoded.rgb


def test_dicom_png_source_and_deidentified(tmp_path: Path) -> None:
    prepared = PillowIngestor().prepare_bytes(encoded(real_or_synthetic(None), "PNG"))
    first = _dicom(
        tmp_path, prepared, Modality.CLOSE_UP, patient_name="", patient_id="", birth_date="", sex=""
    )
    second = _dicom(
        tmp_path, prepared, Modality.CLOSE_UP, patient_name="", patient_id="", birth_date="", sex=""
    )
    assert first.name == "lesion.dcm"
    assert second.name == "lesion-2.dcm"
    ds = pydicom.dcmread(first)
    assert ds.PatientIdentityRemoved == "YES"
    assert str(ds.PatientName) == ""
    assert ds.PatientID == ""
    assert ds.LossyImageCompression == "00"
    assert "LightSourcePolarization" not in ds
    assert ds.SOPInstanceUID != pydicom.dcmread(second).SOPInstanceUID
    decoded = PillowDecoder().decode(prepared.data, prepared.media_type)
    assert ds.pixel_array.tobytes() == decoded.rgb
    named = _dicom(tmp_path, prepared, Modality.CLOSE_UP)
    again = _dicom(tmp_path, prepared, Modality.CLOSE_UP)
    named_ds, again_ds = pydicom.dcmread(named), pydicom.dcmread(again)
    assert named_ds.SOPInstanceUID == again_ds.SOPInstanceUID  # the same object exported twice
    assert named_ds.StudyInstanceUID == again_ds.StudyInstanceUID


# --- watched folder ---------------------------------------------------------------------


def test_folder_watch_offers_settled_images_once(tmp_path: Path) -> None:
    watch = FolderWatch(tmp_path)
    photo = tmp_path / "IMG_0001.JPG"
    photo.write_bytes(b"\xff\xd8\xff" + b"x" * 100)
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / ".IMG_0002.jpg.partial").write_bytes(b"x" * 10)
    (tmp_path / "folder.jpg").mkdir()
    assert watch.scan() == []  # seen once: may still be copying
    assert watch.scan() == [photo]
    assert watch.scan() == []  # offered once only
    growing = tmp_path / "IMG_0003.heic"
    growing.write_bytes(b"x" * 10)
    assert watch.scan() == []
    with open(growing, "ab") as handle:
        handle.write(b"y" * 10)
    assert watch.scan() == []  # still changing
    assert watch.scan() == [growing]
    empty = tmp_path / "IMG_0004.png"
    empty.touch()
    assert watch.scan() == []
    assert watch.scan() == []
    photo.write_bytes(b"\xff\xd8\xff" + b"z" * 300)  # replaced by a new photo, same name
    os.utime(photo, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    watch.scan()
    assert watch.scan() == [photo]


def test_folder_watch_folder_vanishes(tmp_path: Path) -> None:
    folder = tmp_path / "camera"
    folder.mkdir()
    watch = FolderWatch(folder)
    assert watch.scan() == []
    folder.rmdir()
    with pytest.raises(WatchedFolderUnavailable) as caught:
        watch.scan()
    assert "cannot be read" in caught.value.user_text()
