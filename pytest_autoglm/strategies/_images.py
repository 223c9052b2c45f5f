"""Screenshots as the agent sends them (small valid PNGs) and the image data that breaks servers."""

from __future__ import annotations

import base64
from typing import Literal, overload

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from pytest_autoglm._png import PNG_SIGNATURE, chunk, encode_png
from pytest_autoglm.strategies._validation import check_bool, check_choice, check_int, check_range

#: Height / width of phones in portrait (16:9 ... 22:9, 1080x2400 is 20:9) and of tablets.
PHONE_RATIOS = (20 / 9, 16 / 9, 18 / 9, 19.5 / 9, 21 / 9, 22 / 9, 4 / 3)
#: Screen colours: black first (shrinks there), light and dark themes, saturated brand bars.
_PALETTE = (
    (0, 0, 0), (255, 255, 255), (242, 242, 247), (28, 28, 30), (7, 193, 96),
    (255, 80, 0), (0, 122, 255), (255, 215, 0),
)  # fmt: skip
DATA_URL_PREFIX = "data:image/png;base64,"


def data_url(png: bytes) -> str:
    """``data:image/png;base64,...`` exactly as phone_agent builds it."""
    return DATA_URL_PREFIX + base64.b64encode(png).decode("ascii")


#: (height / width, held sideways) — portrait first, so examples shrink to an upright phone.
_SHAPES = st.sampled_from(
    [(ratio, False) for ratio in PHONE_RATIOS] + [(ratio, True) for ratio in PHONE_RATIOS]
)
#: (background, status bar) — black on black first, then every other pair.
_COLOUR_PAIRS = st.sampled_from([(bg, bar) for bg in _PALETTE for bar in _PALETTE])


@st.composite
def _pngs(draw: st.DrawFn, widths: SearchStrategy[int], aspect: str) -> bytes:
    width = draw(widths)
    if aspect == "any":
        height = draw(widths)
    else:
        ratio, sideways = draw(_SHAPES)
        height = max(1, round(width * ratio))
        if sideways:
            width, height = height, width
    bar_height = min(height, max(1, height // 25))  # a status bar, like a real screen
    background, bar = draw(_COLOUR_PAIRS)
    return encode_png(width, height, background, bar, bar_height)


@overload
def screenshots(
    *,
    min_width: int = ...,
    max_width: int = ...,
    aspect: Literal["phone", "any"] = ...,
    as_data_url: Literal[False] = ...,
) -> SearchStrategy[bytes]: ...
@overload
def screenshots(
    *,
    min_width: int = ...,
    max_width: int = ...,
    aspect: Literal["phone", "any"] = ...,
    as_data_url: Literal[True],
) -> SearchStrategy[str]: ...
def screenshots(
    *,
    min_width: int = 9,
    max_width: int = 108,
    aspect: Literal["phone", "any"] = "phone",
    as_data_url: bool = False,
) -> SearchStrategy[bytes] | SearchStrategy[str]:
    """Small valid PNG screenshots, as bytes or (``as_data_url=True``) base64 ``data:`` URLs.

    Each is an 8-bit RGB PNG with a status-bar band over a plain background. The width
    is drawn from ``min_width`` to ``max_width`` pixels; with ``aspect="phone"`` the height
    follows a phone or tablet ratio (20:9 like 1080x2400, 16:9 ... 22:9, 4:3), in portrait
    or landscape, and with ``aspect="any"`` it is drawn from the same range as the width.
    Images are encoded by hand and cached, so drawing one costs microseconds. The data
    URL is ``data:image/png;base64,...``, exactly what phone_agent sends.

    Shrinks towards a black screenshot ``min_width`` pixels across.
    """
    min_width = check_int("min_width", min_width, min_value=1)
    max_width = check_int("max_width", max_width, min_value=1)
    check_range("min_width", min_width, "max_width", max_width)
    check_choice("aspect", aspect, ("phone", "any"))
    check_bool("as_data_url", as_data_url)
    pngs = _pngs(st.integers(min_width, max_width), aspect)
    return pngs.map(data_url) if as_data_url else pngs


# -- invalid images ---------------------------------------------------------------------

_TINY = encode_png(2, 4, (0, 0, 0), (255, 255, 255), 1)
#: Kinds of broken image data, in the order examples shrink to them.
IMAGE_BREAKAGES = ("truncated", "corrupt", "not_png", "empty", "wrong_mime", "not_base64")
_NOT_PNG = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x00\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",  # a JPEG header and nothing else
    b"%PDF-1.4\n",
    b"<html><body>Error 502</body></html>",
    b"not an image",
)


# Decoders forgive a cut after the pixel data (a missing IEND or CRC), so cut before it.
_CUTS = st.integers(0, _TINY.index(b"IDAT") + 5)


@st.composite
def _broken_png(draw: st.DrawFn, kind: str) -> bytes:
    if kind == "empty":
        return b""
    if kind == "not_png":
        return draw(st.sampled_from(_NOT_PNG))
    if kind == "truncated":  # a download or a pull cut short, before the pixels arrived
        return _TINY[: draw(_CUTS)]
    # corrupt: a valid signature and header, then IDAT bytes that do not inflate.
    garbage = draw(st.binary(min_size=1, max_size=32))
    header = _TINY[8:33]  # the IHDR chunk, intact
    return PNG_SIGNATURE + header + chunk(b"IDAT", b"\xff" + garbage) + chunk(b"IEND", b"")


@st.composite
def _broken_url(draw: st.DrawFn, kinds: tuple[str, ...]) -> str:
    kind = draw(st.sampled_from(kinds))
    if kind == "wrong_mime":  # PNG bytes labelled as something else
        mime = draw(st.sampled_from(("text/plain", "application/octet-stream", "image/jpeg")))
        return f"data:{mime};base64," + base64.b64encode(_TINY).decode("ascii")
    if kind == "not_base64":
        payload = draw(st.sampled_from(("%%%%", "iVBORw0KGgo", "not base64!", "====")))
        return DATA_URL_PREFIX + payload
    return data_url(draw(_broken_png(kind)))


@overload
def invalid_images(*, as_data_url: Literal[False] = ...) -> SearchStrategy[bytes]: ...
@overload
def invalid_images(*, as_data_url: Literal[True]) -> SearchStrategy[str]: ...
def invalid_images(*, as_data_url: bool = False) -> SearchStrategy[bytes] | SearchStrategy[str]:
    """Image data that no PNG decoder accepts: truncated, corrupt, non-PNG or empty bytes.

    With ``as_data_url=True`` the strategy yields ``data:`` URLs instead and adds the
    URL-only breakages: valid PNG bytes under a wrong MIME type (``text/plain``,
    ``image/jpeg``) and a payload that is not base64. Truncated images keep from 0 bytes
    of a valid PNG up to its first byte of pixel data; corrupt ones keep the signature
    and header but carry an IDAT that does not inflate; non-PNG ones include a valid GIF.

    Shrinks towards an empty truncation (``b""``), then through the kinds in the order
    truncated, corrupt, non-PNG, empty, wrong MIME, not base64.
    """
    check_bool("as_data_url", as_data_url)
    byte_kinds = IMAGE_BREAKAGES[:4]
    if as_data_url:
        return _broken_url(IMAGE_BREAKAGES)
    return st.sampled_from(byte_kinds).flatmap(_broken_png)
