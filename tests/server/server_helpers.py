"""Helpers shared by the fake server's tests (imported by name: tests/server is on sys.path)."""

from __future__ import annotations

import base64
import struct
import zlib


def png_data_url(width: int, height: int) -> str:
    """A tiny but valid PNG header of the given size, as a ``data:`` URL."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    png = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
           + struct.pack(">I", zlib.crc32(chunk)))  # fmt: skip
    return "data:image/png;base64," + base64.b64encode(png).decode()


def step_messages(
    task: str = "打开微信", width: int = 1080, height: int = 2400
) -> list[dict[str, object]]:
    """The messages phone_agent sends on step 1."""
    return [
        {"role": "system", "content": "你是一个智能体分析专家"},
        {"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": png_data_url(width, height)}},
            {"type": "text", "text": f'{task}\n\n{{"current_app": "System Home"}}'},
        ]},
    ]  # fmt: skip
