"""Profile validation: phones, identity numbers, photos."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from members.images import process_photo
from members.validators import validate_mobile_phone, validate_national_id
from tests.factories import MemberFactory

VALID_ID = "11010519491231002X"  # the example in GB 11643 itself


@pytest.mark.parametrize("phone", ["13812345678", "19900000001"])
def test_valid_mobile_phones(phone):
    validate_mobile_phone(phone)


@pytest.mark.parametrize(
    "phone", ["2381234567", "1381234567", "138123456789", "1３８１２３４５６７８", "138-1234-567"]
)
def test_invalid_mobile_phones(phone):
    with pytest.raises(ValidationError):
        validate_mobile_phone(phone)


def test_a_valid_identity_number_passes():
    validate_national_id(VALID_ID)
    validate_national_id("350602199001011235")


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("110105194912310021", "校验位"),  # last character changed
        ("11010519491331002X", "出生日期"),  # month 13
        ("1101051949123100", "18 位"),
        ("11010519491231002Y", "18 位"),
    ],
)
def test_invalid_identity_numbers_say_why(value, why):
    with pytest.raises(ValidationError, match=why):
        validate_national_id(value)


def test_identity_number_is_masked_to_first_three_and_last_four(db):
    member = MemberFactory.build(national_id=VALID_ID)
    assert member.masked_national_id == "110***********002X"


def jpeg_with_gps(size=(2400, 1600)) -> bytes:
    image = Image.new("RGB", size, "green")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (24.0, 30.0, 0.0)}  # GPSInfo: somewhere in Zhangzhou
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_a_photo_is_resized_thumbnailed_and_loses_its_exif():
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif()  # the upload does carry EXIF
    result = process_photo(SimpleUploadedFile("me.jpg", raw, "image/jpeg"))
    photo = Image.open(io.BytesIO(result.image.read()))
    thumb = Image.open(io.BytesIO(result.thumbnail.read()))
    assert max(photo.size) == 1024 and max(thumb.size) == 160
    assert not photo.getexif() and not thumb.getexif()
    assert photo.format == "JPEG"


def test_a_text_file_named_like_an_image_is_refused():
    upload = SimpleUploadedFile("photo.jpg", b"this is not a picture at all", "image/jpeg")
    with pytest.raises(ValidationError, match="不是图片"):
        process_photo(upload)


def test_an_oversized_file_is_refused_before_decoding():
    upload = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (8 * 1024 * 1024 + 1))
    with pytest.raises(ValidationError, match="8 MB"):
        process_photo(upload)


def png_bomb(width=30_000, height=30_000) -> bytes:
    """A tiny PNG whose header claims 900 megapixels (a decompression bomb)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = b"\0" + b"\0" * width
    data = zlib.compress(row * 16)  # far fewer rows than claimed: never decoded anyway
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused():
    upload = SimpleUploadedFile("bomb.png", png_bomb(), "image/png")
    assert upload.size < 100_000
    with pytest.raises(ValidationError, match="像素过多"):
        process_photo(upload)


def test_a_moderately_huge_image_between_the_pillow_limits_is_refused_too():
    upload = SimpleUploadedFile("big.png", png_bomb(8000, 6000), "image/png")  # 48 MP
    with pytest.raises(ValidationError, match="像素过多"):
        process_photo(upload)


def test_personal_pages_are_never_cached(client, volunteer, coordinator, ecommerce):
    """My page, its edit form, the data download (the full identity number) and a member's
    record: no browser or proxy cache keeps them."""
    from django.urls import reverse

    from tests.factories import MembershipFactory

    client.force_login(volunteer)
    for url in (reverse("me"), reverse("members:me-edit"), reverse("members:me-data")):
        response = client.get(url)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"], url
    MembershipFactory(member=volunteer.member, group=ecommerce)
    client.force_login(coordinator)
    page = client.get(reverse("members:member-detail", args=[volunteer.member.pk]))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
