"""Build a DICOM VL Photographic Image (PS3.3 A.32.4) from a stored lesion photo with pydicom.

Pixels: a stored baseline JPEG that needs no rotation is encapsulated as it
is (JPEG Baseline transfer syntax: no second lossy step); anything else is
decoded upright and written as uncompressed 8-bit RGB (Explicit VR Little
Endian). Modality is XC (external-camera photography), the VL Photographic
IOD's modality. For dermoscopic images the attributes of the Dermoscopic
Image Module (PS3.3 C.8.12.13: Light Source Polarization, Contact Method,
Emitter Color Temperature, Optical Magnification Factor, Recognizable Visual
Features) are added as standard extended attributes; the ones the clinic does
not record are present but empty, which is what their Type 2 allows.
Body site is free text, so it goes in Image Comments and the Acquisition
Context Description rather than a coded Anatomic Region Sequence.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.filewriter import dcmwrite
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    ExplicitVRLittleEndian,
    JPEGBaseline8Bit,
    VLPhotographicImageStorage,
)

from dermai_desktop.domain.imaging import LesionImage, Modality
from dermai_desktop.imaging import jpeg_segments
from dermai_desktop.imaging.decode import PillowDecoder

_UID_NAMESPACE = uuid.UUID("6f1f4f0e-9d1c-4e7a-9a43-0d3b7f3a2c51")  # DermAI's, for name-based UIDs
SOFTWARE = "DermAI Desktop"
_MODALITY_TEXT = {
    Modality.CLINICAL_OVERVIEW: "Clinical photograph, overview",
    Modality.CLOSE_UP: "Clinical photograph, close-up",
    Modality.DERMOSCOPIC_POLARISED: "Dermoscopy, polarized light",
    Modality.DERMOSCOPIC_NON_POLARISED: "Dermoscopy, non-polarized light",
}


def build_dicom(
    image: LesionImage,
    data: bytes,
    *,
    patient_name: str,
    patient_id: str,
    birth_date: str,
    sex: str,
    body_site: str,
    study_description: str,
    deidentified: bool,
) -> bytes:
    """The encoded DICOM file (preamble, meta header, dataset)."""
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"  # UTF-8: names in any script
    _patient(
        ds, patient_name, patient_id, birth_date=birth_date, sex=sex, deidentified=deidentified
    )
    _study_series(ds, image, study_description, body_site, deidentified)
    _equipment_and_image(ds, image, body_site)
    if image.modality.is_dermoscopic:
        _dermoscopy(ds, image.modality)
    transfer_syntax = _pixels(ds, image, data)
    ds.SOPClassUID = VLPhotographicImageStorage
    ds.SOPInstanceUID = _uid(deidentified, "instance", str(image.id), image.sha256)

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = transfer_syntax
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds.file_meta = meta
    buffer = io.BytesIO()
    dcmwrite(buffer, ds, enforce_file_format=True)
    return buffer.getvalue()


def _patient(
    ds: Dataset, name: str, patient_id: str, *, birth_date: str, sex: str, deidentified: bool
) -> None:
    ds.PatientName = _text(name, 64)
    ds.PatientID = _text(patient_id, 64)
    ds.PatientBirthDate = _dicom_date(birth_date)
    ds.PatientSex = _dicom_sex(sex)
    if deidentified:
        ds.PatientIdentityRemoved = "YES"
        ds.DeidentificationMethod = "DermAI referral export: identifiers removed"


def _study_series(
    ds: Dataset, image: LesionImage, description: str, body_site: str, deidentified: bool
) -> None:
    taken = _taken_at(image)
    ds.StudyInstanceUID = _uid(
        deidentified, "study", str(image.patient_id), taken.date().isoformat()
    )
    ds.StudyDate = taken.strftime("%Y%m%d")
    ds.StudyTime = taken.strftime("%H%M%S")
    ds.StudyID = ""
    ds.AccessionNumber = ""
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = _text(description, 64)
    ds.Modality = "XC"
    ds.SeriesInstanceUID = _uid(
        deidentified, "series", ds.StudyInstanceUID, str(image.lesion_id), image.modality.value
    )
    ds.SeriesNumber = 1
    ds.SeriesDescription = _text(_MODALITY_TEXT[image.modality], 64)
    # Tracking ID/UID (PS3.3 C.8.12.13) link the images of one lesion across visits.
    ds.TrackingID = "Lesion " + uuid.uuid5(_UID_NAMESPACE, str(image.lesion_id)).hex[:12]
    ds.TrackingUID = _uid(False, "lesion", str(image.lesion_id))
    ds.AcquisitionContextSequence = []
    context = _MODALITY_TEXT[image.modality]
    if body_site.strip():
        context += f"; site: {body_site.strip()}"
    ds.AcquisitionContextDescription = _text(context, 1024)


def _equipment_and_image(ds: Dataset, image: LesionImage, body_site: str) -> None:
    ds.Manufacturer = ""
    if image.device:
        ds.ManufacturerModelName = _text(image.device, 64)
    ds.SoftwareVersions = SOFTWARE
    taken = _taken_at(image)
    ds.InstanceNumber = 1
    ds.PatientOrientation = ""
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.ContentDate = taken.strftime("%Y%m%d")
    ds.ContentTime = taken.strftime("%H%M%S")
    ds.AcquisitionDateTime = taken.strftime("%Y%m%d%H%M%S") + ("+0000" if taken.tzinfo else "")
    if body_site.strip():
        ds.ImageComments = _text(f"Site: {body_site.strip()}", 10240)
    if image.calibration is not None:
        spacing = f"{image.calibration.mm_per_pixel:.6g}"
        ds.PixelSpacing = [spacing, spacing]


def _dermoscopy(ds: Dataset, modality: Modality) -> None:
    polarised = modality is Modality.DERMOSCOPIC_POLARISED
    ds.LightSourcePolarization = "POLARIZED" if polarised else "NON_POLARIZED"
    ds.RecognizableVisualFeatures = "NO"  # a dermatoscope's field of view shows no face
    # Type 2 in the Dermoscopic Image Module: present, empty when the clinic did not record it.
    ds.EmitterColorTemperature = None
    ds.ContactMethod = ""
    ds.OpticalMagnificationFactor = None


def _pixels(ds: Dataset, image: LesionImage, data: bytes) -> UID:
    ds.BitsAllocated = 8
    ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    lossy_source = image.media_type == "image/jpeg"
    frame = _encapsulable_frame(data) if lossy_source else None
    if frame is not None:
        ds.SamplesPerPixel = 3
        ds.PlanarConfiguration = 0
        ds.PhotometricInterpretation = "YBR_FULL_422" if frame.chroma_subsampled else "YBR_FULL"
        ds.Rows, ds.Columns = frame.height, frame.width
        ds.LossyImageCompression = "01"
        ratio = frame.width * frame.height * 3 / max(len(data), 1)
        ds.LossyImageCompressionRatio = f"{ratio:.2f}"
        ds.LossyImageCompressionMethod = "ISO_10918_1"
        ds.PixelData = encapsulate([data])
        ds["PixelData"].VR = "OB"
        return JPEGBaseline8Bit
    decoded = PillowDecoder().decode(data, image.media_type)
    ds.SamplesPerPixel = 3
    ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = "RGB"
    ds.Rows, ds.Columns = decoded.height, decoded.width
    ds.LossyImageCompression = "01" if lossy_source else "00"
    if lossy_source:
        ds.LossyImageCompressionMethod = "ISO_10918_1"
    ds.PixelData = decoded.rgb
    return ExplicitVRLittleEndian


def _encapsulable_frame(data: bytes) -> jpeg_segments.FrameInfo | None:
    """The JPEG's frame when it can go into DICOM as is: baseline, YCbCr, no rotation needed."""
    try:
        found = jpeg_segments.segments(data)
        frame = jpeg_segments.frame_info(data, found)
    except jpeg_segments.JpegStructureError:
        return None
    has_exif = any(s.marker == jpeg_segments.APP1 for s in found)  # only ever Orientation != 1
    has_adobe = any(s.marker == jpeg_segments.APP14 for s in found)  # RGB/CMYK colour transform
    if has_exif or has_adobe or not frame.is_baseline or frame.components != 3:
        return None
    return frame


def _taken_at(image: LesionImage) -> datetime:
    moment = image.captured_at or image.imported_at
    return moment.astimezone(UTC) if moment.tzinfo else moment


def _uid(random: bool, *parts: str) -> UID:
    """A 2.25 UID: name-based (stable on re-export) or random for de-identified copies."""
    if random:
        return UID(f"2.25.{uuid.uuid4().int}")
    return UID(f"2.25.{uuid.uuid5(_UID_NAMESPACE, '|'.join(parts)).int}")


def _text(value: str, limit: int) -> str:
    """DICOM text: no backslash (the value separator), no control characters, length-capped."""
    cleaned = "".join(ch for ch in value.replace("\\", "/") if ch.isprintable())
    return cleaned.strip()[:limit]


def _dicom_date(value: str) -> str:
    digits = value.replace("-", "").strip()
    return digits if len(digits) == 8 and digits.isdigit() else ""


def _dicom_sex(value: str) -> str:
    first = value.strip()[:1].upper()
    return first if first in ("M", "F") else ("O" if first else "")
