"""Which hosts a test may reach while a fake server is active, and the error for the others.

While a fake server runs, an in-process request (httpx or httpx2) to any host other than
the fake is refused before a connection is opened, so a client configured elsewhere (a
``.env`` pointing at a hosted API, an import-time ``base_url``) never sends the key or
the screenshots out. ``localhost``, ``127.0.0.1`` and ``::1`` are one host: at the fake's
port, all three reach the fake. ``allow_hosts`` entries let other hosts through: ``host``
(any port), ``host:port``, ``[::1]:port``, or ``*`` (every host: blocking off).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from pytest_autoglm.server._errors import ServerConfigError, ServerError

LOOPBACK = frozenset({b"localhost", b"127.0.0.1", b"::1"})
_LOCAL = b"localhost"


class BlockedRequestError(ServerError):
    """An in-process request to a host other than the fake, refused before it left the process.

    Raised in the client; the fixture also fails the test for it at teardown, in case the
    client caught it (the openai SDK wraps it in ``APIConnectionError``).
    """


def canonical_host(host: bytes) -> bytes:
    """``host`` in lower case; the loopback names as one (``localhost``)."""
    host = host.lower().rstrip(b".")
    return _LOCAL if host in LOOPBACK else host


def parse_allow_hosts(value: object, where: str = "allow_hosts") -> tuple[str, ...]:
    """Entries as given (``"a.com"``, ``"a.com:8443"``, ``"[::1]:9000"``, ``"*"``), checked.

    ``value`` is a str (comma-separated) or an iterable of str; a bad entry raises
    :class:`ServerConfigError` naming it.
    """
    items: Iterable[object]
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = value
    else:
        raise ServerConfigError(
            f"{where}={value!r} must be a list of hosts, e.g. ['api.example.com', 'localhost:9000']"
        )
    out = []
    for item in items:
        if not isinstance(item, str):
            raise ServerConfigError(f"{where}: {item!r} is not a host name (a str)")
        text = item.strip()
        if text:
            _split(text, where)  # raises on a bad entry
            out.append(text)
    return tuple(out)


def _split(entry: str, where: str) -> tuple[bytes, int | None]:
    host, port_text = entry, ""
    if "/" in entry:
        host = ""  # a URL, not a host
    elif entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else rest
    elif entry.count(":") == 1:
        host, _, port_text = entry.partition(":")
    if not host or "/" in host or " " in host:
        raise ServerConfigError(
            f"{where}: {entry!r} is not a host; write 'api.example.com' or 'api.example.com:443' "
            "(no scheme, no path)"
        )
    port = None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ServerConfigError(f"{where}: {entry!r} has a bad port; ports are 1 to 65535")
        port = int(port_text)
    return canonical_host(host.encode("idna" if host.isascii() else "utf-8")), port


class HostGuard:
    """Registered with the respx mockers while a fake server runs: decides what may pass.

    ``origins`` are the fake's own ``(host, port)`` pairs (canonical host); ``describe``
    names the fake for the error text. Refused URLs are kept in :attr:`blocked` for the
    teardown report.
    """

    #: never answers a request itself (the mockers look for transports by ``origin``)
    origin = None

    def __init__(self, fake_url: str, origins: Iterable[tuple[bytes, int]],
                 allow: Iterable[str] = (), transport: str = "respx",
                 redact: Callable[[str], str] | None = None) -> None:  # fmt: skip
        self.redact = redact
        self.fake_url = fake_url
        self.transport = transport
        self.origins = {(canonical_host(h), p) for h, p in origins}
        entries = [_split(entry, "allow_hosts") for entry in allow if entry != "*"]
        self.allow_all = "*" in allow
        self.allowed = set(entries)
        self.blocked: list[str] = []
        self._lock = threading.Lock()

    def allows(self, host: bytes, port: int) -> bool:
        host = canonical_host(host)
        return (
            self.allow_all
            or (host, port) in self.origins
            or (host, None) in self.allowed
            or (host, port) in self.allowed
        )

    def refuse(self, url: str) -> BlockedRequestError:
        """Note ``url`` as blocked; the error to raise in the client."""
        if self.redact is not None:  # a key in a query string stays out of every report
            url = self.redact(url)
        with self._lock:
            self.blocked.append(url)
        return BlockedRequestError(blocked_message(url, self.fake_url, self.transport))


def blocked_message(url: str, fake_url: str, transport: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or "?"
    allow = f"{host}:{parts.port}" if parts.port else host
    where = f"the fake server (transport={transport!r}) answers at {fake_url}"
    if transport == "http" and host.encode() in LOOPBACK:
        why = f"nothing serves {url} (a fixed URL?): {where}"
    else:
        why = f"pytest-autoglm blocked a request to {url}: {where}, and other hosts are refused"
    return (
        f"{why}. Point the client at autoglm_server.base_url (PHONE_AGENT_BASE_URL is set to "
        f"it), or allow the host: @pytest.mark.autoglm_server(allow_hosts=[{allow!r}]) or "
        f"--autoglm-server-allow-hosts={allow}"
    )
