"""screenshots() are real PNGs of phone shapes; invalid_images() never decode."""

from __future__ import annotations

import base64
import io

import pytest
from hypothesis import find, given, settings
from hypothesis.errors import InvalidArgument
from PIL import Image

from pytest_autoglm import strategies as gst
from pytest_autoglm.server._images import ImageError, decode_data_url


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()  # decode every pixel, not just the header
    return image


@settings(max_examples=100)
@given(gst.screenshots())
def test_screenshots_decode_with_pillow_in_phone_shapes(png: bytes) -> None:
    image = decode(png)
    width, height = image.size
    assert image.format == "PNG"
    long_side, short_side = max(width, height), min(width, height)
    assert 9 <= short_side <= 108
    assert 4 / 3 - 0.1 <= long_side / short_side <= 22 / 9 + 0.3  # rounding on tiny widths
    top_left, bottom = (
        image.convert("RGB").getpixel((0, 0)),
        image.convert("RGB").getpixel((0, height - 1)),
    )
    assert top_left is not None
    assert bottom is not None


@settings(max_examples=50)
@given(gst.screenshots(min_width=20, max_width=30, aspect="any", as_data_url=True))
def test_data_urls_are_what_phone_agent_sends_and_the_server_reads(url: str) -> None:
    assert url.startswith("data:image/png;base64,")
    image = decode(base64.b64decode(url.split(",", 1)[1]))
    assert 20 <= image.width <= 30
    assert 20 <= image.height <= 30
    assert decode_data_url(url, ("png",)) == ("png", image.width, image.height)


def test_screenshots_shrink_to_a_small_black_screen() -> None:
    image = decode(find(gst.screenshots(), lambda png: True)).convert("RGB")
    assert min(image.size) == 9
    assert max(image.size) <= 22
    assert image.getpixel((image.width - 1, image.height - 1)) == (0, 0, 0)


def test_screenshots_reach_landscape_and_wide_shapes() -> None:
    wide = find(gst.screenshots(), lambda png: decode(png).width > decode(png).height)
    assert decode(wide).width > decode(wide).height


def is_valid_png(data: bytes) -> bool:
    try:
        return decode(data).format == "PNG"
    except Exception:  # Pillow raises several types for broken data
        return False


@settings(max_examples=150)
@given(gst.invalid_images())
def test_invalid_images_are_never_a_valid_png(data: bytes) -> None:
    assert not is_valid_png(data)


@settings(max_examples=150)
@given(gst.invalid_images(as_data_url=True))
def test_invalid_image_urls_are_never_a_valid_png_url(url: str) -> None:
    head, _, payload = url.partition(",")
    if head != "data:image/png;base64":
        return  # the wrong-MIME kind: the label alone is the fault
    try:
        data = base64.b64decode(payload, validate=True)
    except ValueError:
        return  # not base64: the fault
    assert not is_valid_png(data)


def test_invalid_image_urls_cover_every_kind() -> None:
    kinds = {
        "wrong mime": lambda u: not u.startswith("data:image/png;"),
        "not base64": lambda u: u.startswith("data:image/png;") and "%" in u,
        "truncated png": lambda u: u.startswith("data:image/png;base64,iVBORw0KGgo"),
    }
    for name, condition in kinds.items():
        assert condition(find(gst.invalid_images(as_data_url=True), condition)), name


def test_the_fake_server_rejects_the_header_level_breakages() -> None:
    # The fake reads headers only; a truncated header or non-image bytes must still fail there.
    url = find(gst.invalid_images(as_data_url=True), lambda u: u == "data:image/png;base64,")
    with pytest.raises(ImageError):
        decode_data_url(url, ("png",))


def test_invalid_images_shrink_to_empty_bytes() -> None:
    assert find(gst.invalid_images(), lambda data: True) == b""


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: gst.screenshots(min_width=0), "min_width=0"),
        (lambda: gst.screenshots(min_width=50, max_width=10), "min_width <= max_width"),
        (lambda: gst.screenshots(aspect="square"), "aspect='square'"),
        (lambda: gst.screenshots(as_data_url=1), "as_data_url=1"),
        (lambda: gst.invalid_images(as_data_url="yes"), "as_data_url='yes'"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_arguments_fail_when_the_strategy_is_built(call: object, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        call()  # type: ignore[operator]
