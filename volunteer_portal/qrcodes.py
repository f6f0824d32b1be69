"""QR codes the portal shows: check-in, certificates, invitations handed over in person."""

import io

import qrcode
import qrcode.image.svg


def qr_svg(url: str, *, box_size: int = 10) -> str:
    """``url`` as an inline SVG QR code (vector, so it prints sharp; no image library)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=box_size)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()
