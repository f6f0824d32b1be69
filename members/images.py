"""Uploaded photos: prove they are images, refuse bombs, strip metadata, resize.

A phone photo carries EXIF (GPS position, device, time); we never keep it. What is
stored is a re-encoded copy, so whatever else rode along in the file is gone too.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # ~ a 50-megapixel camera; far beyond that is a decompression bomb
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
PHOTO_SIZE = (1024, 1024)
THUMBNAIL_SIZE = (160, 160)


@dataclass
class ProcessedImage:
    image: ContentFile
    thumbnail: ContentFile


def _open_checked(upload) -> Image.Image:
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The image is too large: at most %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20},
            code="image_too_large",
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse those too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in ALLOWED_FORMATS:
                raise ValidationError(
                    _("Upload a JPEG, PNG, WebP or GIF image."), code="image_format"
                )
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(
                    _("The image has too many pixels; please upload a smaller one."),
                    code="image_pixels",
                )
            image.verify()  # checks the file's structure without decoding everything
            upload.seek(0)
            image = Image.open(upload)
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The image has too many pixels; please upload a smaller one."),
            code="image_pixels",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("This file is not an image, or it is damaged."), code="not_an_image"
        ) from None
    return image


def _encode(image: Image.Image, size: tuple[int, int]) -> bytes:
    copy = image.copy()
    copy.thumbnail(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    copy.save(buffer, "JPEG", quality=85, optimize=True)  # no exif= argument: none is written
    return buffer.getvalue()


def process_photo(upload) -> ProcessedImage:
    """Validate an upload and return a resized copy and a thumbnail, both as JPEG.

    Raises ValidationError with a message for the user when the upload is not an image,
    too large, or a decompression bomb.
    """
    image = _open_checked(upload)
    image = ImageOps.exif_transpose(image)  # keep the orientation the phone meant
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    stem = (getattr(upload, "name", "") or "photo").rsplit("/", 1)[-1].rsplit(".", 1)[0][:40]
    return ProcessedImage(
        image=ContentFile(_encode(image, PHOTO_SIZE), name=f"{stem or 'photo'}.jpg"),
        thumbnail=ContentFile(_encode(image, THUMBNAIL_SIZE), name=f"{stem or 'photo'}-thumb.jpg"),
    )
