"""A container's output, followed line by line in a background thread.

Readiness by log pattern and the "last log line" of progress messages read from here, so
a server that logs for minutes is not re-read from the start at every poll. The thread
ends by itself when the container stops or is removed.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import deque
from pathlib import Path
from typing import Any, BinaryIO

#: lines kept in memory for pattern searches (older ones are dropped)
KEEP = 20_000


class LogFollower:
    def __init__(self, raw: Any) -> None:
        self._lines: deque[str] = deque(maxlen=KEEP)
        self._dropped = 0
        self._cursors: dict[str, int] = {}
        self._matched: set[str] = set()
        self._partial = ""
        self._sink: BinaryIO | None = None
        self._done = False
        self._lock = threading.Lock()
        # a CancellableStream: close() ends the read from any thread and frees the socket
        self._stream = raw.logs(stream=True, follow=True, stdout=True, stderr=True)
        self._thread = threading.Thread(
            target=self._run, name=f"autoglm-logs-{raw.name}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        try:
            for chunk in self._stream:
                self._feed(chunk.decode("utf-8", "replace"))
        except Exception:  # the container went away, or stop() closed the stream
            pass
        finally:
            self._close_stream()
        if self._partial:
            self._feed("\n")
        with self._lock:
            self._done = True
            if self._sink is not None:
                self._sink.close()

    def tee(self, path: Path) -> None:
        """Also append the output to ``path`` (what was read so far first), as it arrives."""
        with self._lock:
            self._sink = path.open("ab")
            past = "\n".join(self._lines) + ("\n" if self._lines else "") + self._partial
            self._sink.write(past.encode("utf-8", "replace"))
            self._sink.flush()
            if self._done:  # the stream already ended: nothing more will come
                self._sink.close()

    def wait(self, timeout: float) -> None:
        """Wait until the stream has ended (the container stopped), at most ``timeout`` s."""
        self._thread.join(timeout)

    def _close_stream(self) -> None:
        with contextlib.suppress(Exception):  # already closed
            self._stream.close()

    def stop(self) -> None:
        """Stop following (the socket is closed); waits briefly for the thread to end."""
        self._close_stream()
        self._thread.join(timeout=5)

    def _feed(self, text: str) -> None:
        with self._lock:
            if self._sink is not None:
                self._sink.write(text.encode("utf-8", "replace"))
                self._sink.flush()
            *complete, self._partial = (self._partial + text).split("\n")
            for line in complete:
                if len(self._lines) == KEEP:
                    self._dropped += 1
                self._lines.append(line.rstrip("\r"))

    def matches(self, pattern: str) -> bool:
        """Whether any line seen so far matches ``pattern`` (each line is searched once)."""
        with self._lock:
            if pattern in self._matched:
                return True
            start = max(self._cursors.get(pattern, 0) - self._dropped, 0)
            compiled = re.compile(pattern)
            lines = list(self._lines)[start:]
            self._cursors[pattern] = self._dropped + len(self._lines)
            partial = self._partial
        if any(compiled.search(line) for line in lines) or (partial and compiled.search(partial)):
            self._matched.add(pattern)
            return True
        return False

    def last_line(self) -> str | None:
        with self._lock:
            if self._partial.strip():
                return self._partial.strip()
            return next((line for line in reversed(self._lines) if line.strip()), None)
