"""Reading ``data:`` image URLs: the format and pixel size, from the header bytes only."""

from __future__ import annotations

import base64
import binascii
import struct

_PNG = b"\x89PNG\r\n\x1a\n"


class ImageError(ValueError):
    """A ``data:`` URL that is not a readable image; the message says what is wrong."""


def image_format(data: bytes) -> str | None:
    if data.startswith(_PNG):
        return "png"
    if data.startswith(b"\xff\xd8"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def _png_size(data: bytes) -> tuple[int, int]:
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise ImageError("cannot identify image file: PNG header without IHDR")
    width, height = struct.unpack(">II", data[16:24])
    if width == 0 or height == 0:
        raise ImageError(f"cannot identify image file: PNG of {width}x{height} pixels")
    return int(width), int(height)


def _jpeg_size(data: bytes) -> tuple[int, int]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        i += 2 + length
    raise ImageError("cannot identify image file: JPEG without a frame header")


def decode_data_url(url: str, accepted: tuple[str, ...]) -> tuple[str, int, int]:
    """``(format, width, height)`` of a ``data:image/...;base64,`` URL, or :class:`ImageError`."""
    head, sep, payload = url.partition(",")
    if not sep or not head.startswith("data:") or not head.endswith(";base64"):
        raise ImageError(
            f"invalid data URL {head[:40]!r}: expected 'data:image/png;base64,<base64 data>'"
        )
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImageError(f"invalid base64 image data: {exc}") from None
    fmt = image_format(data)
    if fmt is None:
        raise ImageError("cannot identify image file (the data is not PNG, JPEG, WebP or GIF)")
    if fmt not in accepted:
        raise ImageError(
            f"cannot identify image file: the fake server accepts {', '.join(accepted)} images "
            f"(ServerConfig.image_formats), got {fmt}"
        )
    if fmt == "png":
        return (fmt, *_png_size(data))
    if fmt == "jpeg":
        return (fmt, *_jpeg_size(data))
    raise ImageError(f"cannot read the size of a {fmt} image; add it as PNG")


def summarise_data_url(url: str, payload_len: int | None = None) -> str:
    """A short stand-in for a ``data:`` URL in failure text: ``<png 1080x2400, 52.1 KB base64>``.

    ``payload_len``: the length of the base64 data when ``url`` holds only its start.
    """
    head, _, payload = url.partition(",")
    try:
        data = base64.b64decode(payload[:64] + "=" * (-len(payload[:64]) % 4))
    except (binascii.Error, ValueError):
        data = b""
    fmt = image_format(data) or head.removeprefix("data:")
    size = ""
    if fmt == "png" and len(data) >= 24:
        size = " {}x{}".format(*struct.unpack(">II", data[16:24]))
    length = len(payload) if payload_len is None else payload_len
    return f"<{fmt}{size}, {length / 1000:.1f} KB base64>"
