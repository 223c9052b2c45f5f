"""Size strings as users write them, and sizes as reports print them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_autoglm._sizes import SizeError, format_size, parse_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24 GiB", 24 * 1024**3),
        ("512 MB", 512 * 1000**2),
        ("1.5GiB", int(1.5 * 1024**3)),
        ("64 KiB", 65536),
        ("100", 100),
        ("0", 0),
        ("2g", 2 * 1024**3),
        (" 3 kb ", 3000),
        (4096, 4096),
    ],
)
def test_parse_size(text: str | int, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    "bad", ["lots", "", "GiB", "1.2.3 GiB", "5 parsecs", "-1 GiB", -5, True, None]
)
def test_bad_size_names_value_and_forms(bad: object) -> None:
    with pytest.raises(SizeError) as info:
        parse_size(bad)  # type: ignore[arg-type]
    assert repr(bad) in str(info.value)


@pytest.mark.parametrize(
    ("num", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (12698, "12.4 KiB"),
        (3 * 1024**3, "3.0 GiB"),
        (-2048, "-2.0 KiB"),
    ],
)
def test_format_size(num: int, text: str) -> None:
    assert format_size(num) == text


@given(st.integers(min_value=0, max_value=2**50))
def test_format_then_parse_is_close(num: int) -> None:
    # format_size rounds to one decimal of its unit: parsing it back is within 5% (or 1 byte).
    assert abs(parse_size(format_size(num)) - num) <= max(1, num * 0.05)
