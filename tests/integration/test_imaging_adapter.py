"""The imaging adapter: encrypted blob store, ingest (metadata stripping, every malformed case)."""

from __future__ import annotations

import hashlib
import io
import os
import sys
from pathlib import Path

import pytest
from PIL import Image

from dermai_desktop.imaging import EncryptedBlobStore, PillowDecoder, PillowIngestor
from dermai_desktop.imaging import ingest as ingest_module
from dermai_desktop.imaging.jpeg_segments import APP1, segments
from dermai_desktop.services.imaging_ports import ImageRejected, ImageStoreError
from tests.at_rest_scan import find_plaintext
from tests.imaging_samples import (
    GPS_IFD,
    OWNER,
    SERIAL,
    corrupt_exif_jpeg,
    encoded,
    jpeg_with_metadata,
    png_header_only,
    png_rgb16,
    real_or_synthetic,
)
from tests.shared_data import fullres_images

KEY = bytes(range(32))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def photo() -> Image.Image:
    return real_or_synthetic(fullres_images()[0])


@pytest.fixture
def ingestor() -> PillowIngestor:
    return PillowIngestor()


# --- store ------------------------------------------------------------------------------


def test_store_round_trip_dedup_and_layout(tmp_path: Path) -> None:
    store = EncryptedBlobStore(tmp_path / "images", KEY)
    data = b"\xff\xd8\xff\xe0 pretend jpeg" * 100
    digest = sha(data)
    assert not store.contains(digest)
    store.put(digest, data)
    store.put(digest, data)  # the same picture again: stored once
    assert store.contains(digest)
    assert store.get(digest) == data
    files = [p for p in (tmp_path / "images").rglob("*") if p.is_file()]
    assert len(files) == 1
    blob = files[0]
    assert digest not in blob.name  # the keyed id hides the plain hash
    assert blob.parent.name == blob.name[:2]
    assert blob.read_bytes().startswith(b"DAIB1")
    assert data not in blob.read_bytes()
    assert not store.contains(digest, kind="thumbnail")
    store.put(digest, b"thumb", kind="thumbnail")
    assert store.get(digest, kind="thumbnail") == b"thumb"
    assert not list((tmp_path / "images").rglob("*.partial"))


def test_store_refuses_tampered_missing_swapped_and_wrong_key(tmp_path: Path) -> None:
    store = EncryptedBlobStore(tmp_path, KEY)
    first, second = b"first image" * 50, b"second image" * 50
    store.put(sha(first), first)
    store.put(sha(second), second)
    with pytest.raises(ImageStoreError, match="missing"):
        store.get(sha(b"never stored"))
    other_clinic = EncryptedBlobStore(tmp_path / "other", bytes(32))
    assert not other_clinic.contains(sha(first))  # another key, another file name
    other_clinic.path_for(sha(first)).parent.mkdir(parents=True)
    other_clinic.path_for(sha(first)).write_bytes(store.path_for(sha(first)).read_bytes())
    with pytest.raises(ImageStoreError, match="damaged"):
        other_clinic.get(sha(first))  # the blob under the other key's name: still unreadable
    path_first, path_second = store.path_for(sha(first)), store.path_for(sha(second))
    path_first.write_bytes(path_second.read_bytes())  # a blob moved onto another id
    with pytest.raises(ImageStoreError, match="damaged"):
        store.get(sha(first))
    sealed = bytearray(path_second.read_bytes())
    sealed[-20] ^= 0x01
    path_second.write_bytes(bytes(sealed))
    with pytest.raises(ImageStoreError, match="damaged") as caught:
        store.get(sha(second))
    assert "Traceback" not in caught.value.user_text()
    path_second.write_bytes(b"DAI")
    with pytest.raises(ImageStoreError, match="damaged"):
        store.get(sha(second))


def test_store_failed_write_leaves_nothing(tmp_path: Path) -> None:
    root = tmp_path / "images"
    root.mkdir()
    store = EncryptedBlobStore(root, KEY)
    data = b"x" * 1000
    (root / store.path_for(sha(data)).parent.name).write_text("a file where a folder goes")
    with pytest.raises(ImageStoreError, match="could not be saved"):
        store.put(sha(data), data)
    assert not store.contains(sha(data))


def test_store_checks_its_inputs(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        EncryptedBlobStore(tmp_path, b"short")
    store = EncryptedBlobStore(tmp_path, KEY)
    with pytest.raises(ValueError, match="sha256"):
        store.put("../../etc/passwd", b"x")
    with pytest.raises(ValueError, match="kind"):
        store.contains(sha(b"x"), kind="secret")


# --- ingest: JPEG metadata ------------------------------------------------------------------


def test_real_jpeg_kept_losslessly(ingestor: PillowIngestor) -> None:
    for path in fullres_images()[:6]:
        source = path.read_bytes()
        prepared = ingestor.prepare_file(path)
        assert prepared.media_type == "image/jpeg"
        assert prepared.data.startswith(b"\xff\xd8\xff")
        with Image.open(path) as a, Image.open(io.BytesIO(prepared.data)) as b:
            assert (prepared.width, prepared.height) == a.size
            assert a.tobytes() == b.tobytes()  # same compressed data, same pixels
        assert len(prepared.data) <= len(source)
        with Image.open(io.BytesIO(prepared.thumbnail)) as thumb:
            assert thumb.format == "JPEG"
            assert max(thumb.size) <= 320


def test_jpeg_metadata_stripped_capture_time_and_device_kept(
    ingestor: PillowIngestor, photo: Image.Image
) -> None:
    source = jpeg_with_metadata(photo)
    assert SERIAL.encode() in source
    assert OWNER.encode() in source
    prepared = ingestor.prepare_bytes(source)
    assert prepared.captured_at is not None
    assert prepared.captured_at.isoformat() == "2025-11-03T14:25:36"
    assert prepared.device == "Canfield VEOS HD2"
    assert prepared.orientation == 1
    for secret in (SERIAL.encode(), OWNER.encode(), b"Exif", b"http://ns.adobe.com", b"8BIM"):
        assert secret not in prepared.data
    with Image.open(io.BytesIO(prepared.data)) as stored:
        exif = stored.getexif()
        assert len(exif) == 0
        assert not exif.get_ifd(GPS_IFD)
        assert "comment" not in stored.info
        assert "xmp" not in stored.info
        assert stored.tobytes() == Image.open(io.BytesIO(source)).tobytes()
    markers = {segment.marker for segment in segments(prepared.data)}
    assert APP1 not in markers
    assert 0xED not in markers
    assert 0xFE not in markers


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_orientation_kept_as_a_lone_tag_and_applied(
    ingestor: PillowIngestor, orientation: int
) -> None:
    upright = Image.new("RGB", (400, 300), (200, 200, 200))
    upright.paste((220, 20, 20), (0, 0, 80, 60))  # red block marks the top-left corner
    undo = {
        3: Image.Transpose.ROTATE_180,
        6: Image.Transpose.ROTATE_90,
        8: Image.Transpose.ROTATE_270,
    }
    stored_raw = upright.transpose(undo[orientation])  # what the camera sensor recorded
    prepared = ingestor.prepare_bytes(jpeg_with_metadata(stored_raw, orientation))
    assert prepared.orientation == orientation
    assert (prepared.width, prepared.height) == (400, 300)
    assert SERIAL.encode() not in prepared.data
    with Image.open(io.BytesIO(prepared.data)) as stored:
        exif = stored.getexif()
        assert dict(exif) == {0x0112: orientation}
        assert not exif.get_ifd(GPS_IFD)
    decoded = PillowDecoder().decode(prepared.data, prepared.media_type)
    picture = Image.frombytes("RGB", (decoded.width, decoded.height), decoded.rgb)
    assert picture.size == (400, 300)
    red, green, _ = picture.getpixel((10, 10))  # type: ignore[misc]
    assert red > 180
    assert green < 80
    with Image.open(io.BytesIO(prepared.thumbnail)) as thumb:
        assert thumb.width > thumb.height
        red, green, _ = thumb.convert("RGB").getpixel((2, 2))  # type: ignore[misc]
        assert red > 150
        assert green < 100


def test_corrupt_exif_is_ignored_not_rejected(ingestor: PillowIngestor, photo: Image.Image) -> None:
    prepared = ingestor.prepare_bytes(corrupt_exif_jpeg(photo))
    assert prepared.media_type == "image/jpeg"
    assert prepared.captured_at is None
    assert prepared.device == ""
    assert prepared.orientation == 1
    assert b"\xde\xad\xde\xad" not in prepared.data


# --- ingest: other formats and colour modes ---------------------------------------------


def _rgb_of(prepared_data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(prepared_data)) as image:
        image.load()
        return image


@pytest.mark.parametrize(
    ("label", "make"),
    [
        ("png_with_text", lambda p: encoded(p, "PNG", pnginfo=_png_text())),
        ("tiff", lambda p: encoded(p, "TIFF")),
        ("greyscale_png", lambda p: encoded(p.convert("L"), "PNG")),
        ("palette_png", lambda p: encoded(p.convert("P"), "PNG")),
        ("alpha_png", lambda p: encoded(p.convert("RGBA"), "PNG")),
        ("cmyk_tiff", lambda p: encoded(p.convert("CMYK"), "TIFF")),
        ("greyscale_16bit_png", lambda p: encoded(p.convert("L").convert("I;16"), "PNG")),
        ("webp", lambda p: encoded(p, "WEBP", lossless=True)),
    ],
)
def test_other_formats_become_clean_8bit_rgb_png(
    ingestor: PillowIngestor, photo: Image.Image, label: str, make: object
) -> None:
    prepared = ingestor.prepare_bytes(make(photo))  # type: ignore[operator]
    assert prepared.media_type == "image/png", label
    assert (prepared.width, prepared.height) == photo.size
    stored = _rgb_of(prepared.data)
    assert stored.mode == "RGB"
    assert stored.info.get("exif") is None
    assert not getattr(stored, "text", {})
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf"):
        assert chunk not in prepared.data, label


def _png_text():  # type: ignore[no-untyped-def]
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", OWNER)
    info.add_itxt("Comment", SERIAL)
    return info


def test_sixteen_bit_is_scaled_not_clipped(ingestor: PillowIngestor) -> None:
    prepared = ingestor.prepare_bytes(png_rgb16(64, 48, 32896))  # 0x8080 -> 128
    pixel = _rgb_of(prepared.data).getpixel((5, 5))
    assert pixel == (128, 128, 128)
    grey = Image.new("I;16", (64, 48), 65535)
    prepared = ingestor.prepare_bytes(encoded(grey, "PNG"))
    assert _rgb_of(prepared.data).getpixel((5, 5)) == (255, 255, 255)
    grey = Image.new("I;16", (64, 48), 16384)
    prepared = ingestor.prepare_bytes(encoded(grey, "PNG"))
    assert _rgb_of(prepared.data).getpixel((5, 5)) == (64, 64, 64)


def test_cmyk_and_greyscale_jpegs_stay_jpeg_and_decode(
    ingestor: PillowIngestor, photo: Image.Image
) -> None:
    for mode in ("CMYK", "L"):
        prepared = ingestor.prepare_bytes(encoded(photo.convert(mode), "JPEG", quality=90))
        assert prepared.media_type == "image/jpeg"
        decoded = PillowDecoder().decode(prepared.data, prepared.media_type, max_side=200)
        assert len(decoded.rgb) == decoded.width * decoded.height * 3
    cmyk = ingestor.prepare_bytes(encoded(photo.convert("CMYK"), "JPEG", quality=90))
    assert b"Adobe" in cmyk.data  # APP14 kept: CMYK decodes with the right colours


def test_heic_imported_when_the_plugin_serves(ingestor: PillowIngestor, photo: Image.Image) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    try:
        heic = encoded(photo, "HEIF", quality=80)
    except (OSError, KeyError, ValueError) as error:
        pytest.skip(f"this pillow-heif build cannot encode HEIC: {error}")
    prepared = ingestor.prepare_bytes(heic)
    assert prepared.media_type == "image/png"
    assert (prepared.width, prepared.height) == photo.size


def test_heic_rejected_plainly_without_the_plugin(
    ingestor: PillowIngestor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pillow_heif", None)  # import fails
    monkeypatch.setattr(ingest_module, "_heif_state", {})
    fake_heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
    with pytest.raises(ImageRejected) as caught:
        ingestor.prepare_bytes(fake_heic)
    assert caught.value.message == ingest_module.HEIC_UNAVAILABLE


# --- ingest: every malformed case -------------------------------------------------------


def _malformed_cases(photo: Image.Image) -> dict[str, tuple[bytes, str]]:
    good_jpeg = encoded(photo, "JPEG", quality=90)
    good_png = encoded(photo, "PNG")
    return {
        "zero bytes": (b"", ingest_module.EMPTY),
        "text with a .jpg name": (
            b"Dear doctor, here is the letter.\n" * 20,
            ingest_module.NOT_AN_IMAGE,
        ),
        "pdf": (b"%PDF-1.7\n" + b"0" * 500, ingest_module.NOT_AN_IMAGE),
        "gif (not a kept format)": (encoded(photo, "GIF"), ingest_module.NOT_AN_IMAGE),
        "truncated jpeg": (good_jpeg[: len(good_jpeg) // 2], ingest_module.TRUNCATED),
        "jpeg cut inside the header": (good_jpeg[:300], ingest_module.TRUNCATED),
        "truncated png": (good_png[: len(good_png) // 2], ingest_module.TRUNCATED),
        "decompression bomb (warning range)": (png_header_only(10_000, 10_000), ingest_module.BOMB),
        "decompression bomb (error range)": (png_header_only(19_000, 19_000), ingest_module.BOMB),
        "1x1": (encoded(Image.new("RGB", (1, 1)), "PNG"), ingest_module.TOO_SMALL),
        "50,000 pixels wide": (
            encoded(Image.new("L", (50_000, 40)), "PNG"),
            ingest_module.TOO_LARGE,
        ),
        "too thin a strip": (
            encoded(Image.new("RGB", (3000, 100)), "PNG"),
            ingest_module.TOO_NARROW,
        ),
    }


def test_every_malformed_case_is_one_plain_rejection(
    ingestor: PillowIngestor, photo: Image.Image, tmp_path: Path
) -> None:
    for label, (data, expected) in _malformed_cases(photo).items():
        path = tmp_path / "incoming.jpg"  # every file claims to be a JPEG
        path.write_bytes(data)
        with pytest.raises(ImageRejected) as from_file:
            ingestor.prepare_file(path)
        with pytest.raises(ImageRejected) as from_memory:
            ingestor.prepare_bytes(data)
        for caught in (from_file, from_memory):
            assert caught.value.message == expected, label
            assert caught.value.next_step, label
            assert "Traceback" not in caught.value.user_text()


def test_huge_and_missing_files_rejected_before_reading(
    ingestor: PillowIngestor, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.jpg"
    with open(huge, "wb") as handle:  # sparse: takes no real disk space
        handle.truncate(201 * 1024 * 1024)
    with pytest.raises(ImageRejected) as caught:
        ingestor.prepare_file(huge)
    assert caught.value.message == ingest_module.TOO_BIG_FILE
    with pytest.raises(ImageRejected) as caught:
        ingestor.prepare_file(tmp_path / "gone.jpg")
    assert caught.value.message == ingest_module.UNREADABLE


def test_messages_are_distinct() -> None:
    messages = [
        ingest_module.EMPTY, ingest_module.NOT_AN_IMAGE, ingest_module.TRUNCATED,
        ingest_module.BOMB, ingest_module.TOO_SMALL, ingest_module.TOO_LARGE,
        ingest_module.TOO_NARROW, ingest_module.TOO_BIG_FILE, ingest_module.HEIC_UNAVAILABLE,
    ]  # fmt: skip
    assert len(set(messages)) == len(messages)


# --- at rest ----------------------------------------------------------------------------


def test_scan_helper_finds_plaintext(tmp_path: Path, photo: Image.Image) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "cache.bin").write_bytes(os.urandom(5000) + encoded(photo, "JPEG"))
    (tmp_path / "thumb.dat").write_bytes(b"junk" + encoded(photo, "PNG"))
    (tmp_path / "scan.dat").write_bytes(os.urandom(100) + encoded(photo, "TIFF"))
    (tmp_path / "meta.dat").write_bytes(b"..Exif\x00\x00..")
    found = "\n".join(find_plaintext(tmp_path))
    assert "sub/cache.bin: JPEG start of image" in found
    assert "thumb.dat: PNG signature" in found
    assert "scan.dat: TIFF header" in found
    assert "meta.dat: EXIF header" in found
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "random.bin").write_bytes(os.urandom(2_000_000))
    assert find_plaintext(clean) == []


def test_stored_real_images_leave_no_plaintext(tmp_path: Path, ingestor: PillowIngestor) -> None:
    store = EncryptedBlobStore(tmp_path / "images", os.urandom(32))
    count = 0
    for path in fullres_images():
        prepared = ingestor.prepare_file(path)
        digest = sha(prepared.data)
        store.put(digest, prepared.data)
        store.put(digest, prepared.thumbnail, kind="thumbnail")
        count += 1
    extra = ingestor.prepare_bytes(encoded(real_or_synthetic(fullres_images()[1]), "PNG"))
    store.put(sha(extra.data), extra.data)
    assert count == 24
    assert len([p for p in (tmp_path / "images").rglob("*") if p.is_file()]) == 2 * count + 1
    assert find_plaintext(tmp_path) == []


@pytest.mark.parametrize(
    "options",
    [
        {"progressive": True},
        {"restart_marker_blocks": 4},
        {"subsampling": 0},
        {"icc_profile": b"\x00\x00\x02\x0cplanted-icc-profile" + b"\x00" * 200},
    ],
)
def test_jpeg_variants_survive_the_strip_unchanged(
    ingestor: PillowIngestor, photo: Image.Image, options: dict[str, object]
) -> None:
    source = encoded(photo, "JPEG", quality=88, **options)
    prepared = ingestor.prepare_bytes(source)
    assert prepared.media_type == "image/jpeg"
    with Image.open(io.BytesIO(source)) as a, Image.open(io.BytesIO(prepared.data)) as b:
        assert a.tobytes() == b.tobytes()
        assert a.info.get("icc_profile") == b.info.get("icc_profile")
