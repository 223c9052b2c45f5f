"""The phone the agent drives: a protocol, and an in-memory phone for tests."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, Protocol


class Phone(Protocol):
    width: int
    height: int

    def screenshot(self) -> bytes: ...
    def current_app(self) -> str: ...
    def perform(self, name: str, args: dict[str, Any]) -> None: ...


def blank_png(width: int, height: int) -> bytes:
    """A real (tiny, one-colour) PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))  # fmt: skip


@dataclass
class InMemoryPhone:
    """Records every action; ``apps`` is the foreground app after each Launch."""

    width: int = 1080
    height: int = 2400
    app: str = "System Home"
    actions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _png: bytes = b""

    def screenshot(self) -> bytes:
        if not self._png:
            self._png = blank_png(self.width, self.height)
        return self._png

    def current_app(self) -> str:
        return self.app

    def perform(self, name: str, args: dict[str, Any]) -> None:
        self.actions.append((name, args))
        if name == "Launch":
            self.app = str(args.get("app", self.app))
        elif name == "Home":
            self.app = "System Home"

    def to_pixels(self, point: list[int]) -> tuple[int, int]:
        """Model coordinates (0-999) to pixels, as phone_agent converts them."""
        return int(point[0] / 1000 * self.width), int(point[1] / 1000 * self.height)
