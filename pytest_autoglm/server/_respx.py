"""The in-process transport: respx mockers for the ``httpx`` and ``httpx2`` HTTP transports.

respx 0.23 patches ``httpcore`` only, but the openai SDK 3.x runs on ``httpx2``. As
respx's author does for httpx2 (the pytest-httpx2 package), we register
:class:`respx.mocks.Mocker` subclasses; their targets are each stack's
``HTTPTransport.handle_request`` (and the async one), where pytest-httpx patches too, so a
request to the fake never becomes an ``httpcore`` request and back (that round trip alone
cost 108 k instructions a call, 2% of an SDK call). Ours dispatch straight to the fake
server's core, without respx's router, so that a call costs little more than the SDK
itself; a request for any other origin passes through to whatever was there before (a
real connection, or the test's own respx mock below) only when a
:class:`~pytest_autoglm.server._hosts.HostGuard` allows it; otherwise it is refused
with :class:`~pytest_autoglm.server._hosts.BlockedRequestError` before any byte leaves.

Faults raise what the stack raises for a real socket: a reset the stack's ``ReadError``,
a stall longer than the client's read timeout sleeps for that timeout and raises its
``ReadTimeout``, a cut stream ``RemoteProtocolError``.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from types import ModuleType
from typing import Any, ClassVar
from urllib.parse import urlsplit

from respx.mocks import Mocker

from pytest_autoglm.server._core import Core, Plan, Request, reason_phrase
from pytest_autoglm.server._errors import ServerConfigError
from pytest_autoglm.server._hosts import HostGuard, canonical_host

Parts = list[tuple[float, bytes]] | Iterator[tuple[float, bytes]]

_TARGETS = (
    "{m}._transports.default.HTTPTransport",
    "{m}._transports.default.AsyncHTTPTransport",
)
#: each HTTP stack and the connection layer under it (where respx's own mocks patch)
_CORE_OF = {"httpx": "httpcore", "httpx2": "httpcore2"}
_DEFAULT_PORTS = {b"http": 80, b"https": 443}
_RESET = "[Errno 104] Connection reset by peer"
_CLOSED = "Server disconnected without sending a response."
_CUT = "peer closed connection without sending complete message body (incomplete chunked read)"


class _StackMocker(Mocker):
    """Patches one HTTP stack; ``routers`` holds the active :class:`RespxTransport` objects."""

    stack_name: ClassVar[str]
    target_methods: ClassVar[list[str]] = ["handle_request", "handle_async_request"]

    @classmethod
    def stack(cls) -> ModuleType:
        """The stack's module as imported now: not kept on the class, which outlives it
        (pytester's in-process runs drop modules first imported in a run; a response built
        from the dropped module's classes fails the new client's ``isinstance`` checks)."""
        return sys.modules.get(cls.stack_name) or importlib.import_module(cls.stack_name)

    @classmethod
    def owner(cls, request: Any) -> RespxTransport | None:
        """The fake that answers ``request``; ``None`` after the guards let it pass.

        A request that no fake answers and no active guard allows raises
        :class:`BlockedRequestError` here, before a connection is opened.
        """
        url = request.url
        scheme = url.raw_scheme
        port: int = url.port or _DEFAULT_PORTS.get(scheme, 0)
        key = (scheme, canonical_host(url.raw_host), port)
        guards = []
        for transport in cls.routers:
            if transport.origin == key:  # type: ignore[attr-defined]
                return transport  # type: ignore[return-value]
            if isinstance(transport, HostGuard):
                guards.append(transport)
        if not guards or any(g.allows(key[1], port) for g in guards) or cls.deferred():
            return None
        target = url.raw_path.decode("ascii", "replace").split("?", 1)[0]
        host = url.raw_host.decode("ascii", "replace")
        host = f"[{host}]" if ":" in host else host
        shown = f"{scheme.decode()}://{host}:{port}{target}"
        raise guards[-1].refuse(shown)

    @classmethod
    def deferred(cls) -> bool:
        """Whether the test's own respx mock is active on this stack (it decides, not us)."""
        prefixes = (cls.stack_name + ".", _CORE_OF[cls.stack_name] + ".")
        return any(
            mocker.routers and not issubclass(mocker, _StackMocker)
            and any(target.startswith(prefixes) for target in mocker.targets)
            for mocker in Mocker.registry.values()
        )  # fmt: skip

    @classmethod
    def mock(cls, spec: Callable[..., Any]) -> Callable[..., Any]:
        if getattr(spec, "_autoglm_mocker", None) is cls:
            return spec  # an inherited method we already patched on the base class
        if inspect.iscoroutinefunction(spec):

            @functools.wraps(spec)
            async def handle_async_request(self: Any, request: Any) -> Any:
                owner = cls.owner(request)
                if owner is None:
                    return await spec(self, request)
                return await owner.respond_async(request, cls.stack())

            wrapper: Callable[..., Any] = handle_async_request
        else:

            @functools.wraps(spec)
            def handle_request(self: Any, request: Any) -> Any:
                owner = cls.owner(request)
                if owner is None:
                    return spec(self, request)
                return owner.respond_sync(request, cls.stack())

            wrapper = handle_request
        wrapper._autoglm_mocker = cls  # type: ignore[attr-defined]
        return wrapper


def _mocker(stack_name: str) -> type[_StackMocker]:
    """The mocker class for one stack, created once per process.

    respx keeps a registry of mocker names for the life of the process; when this module
    is imported again (pytester's in-process runs do that), the class registered first is
    reused rather than registered twice.
    """
    name = f"autoglm_{stack_name}"
    existing = Mocker.registry.get(name)
    if existing is not None:
        return existing  # type: ignore[return-value]
    attrs = {
        "name": name,
        "stack_name": stack_name,
        "targets": [t.format(m=stack_name) for t in _TARGETS],
        "__doc__": f"``respx.mock(using={name!r})``: intercepts the {stack_name} stack.",
    }
    return type(f"Autoglm{stack_name.capitalize()}Mocker", (_StackMocker,), attrs)


#: the httpx stack (openai 1.x/2.x, most clients)
HttpxMocker = _mocker("httpx")


def _mockers() -> list[type[_StackMocker]]:
    mockers: list[type[_StackMocker]] = [HttpxMocker]
    try:
        importlib.import_module("httpx2")
    except ImportError:  # httpx2 not installed: nothing of that stack to intercept
        return mockers
    mockers.append(_mocker("httpx2"))  # the httpx2 stack (openai 3.x, phone_agent today)
    return mockers


def _coalesced(parts: Parts) -> Iterable[tuple[float, bytes]]:
    """Parts with no delay between them join the read before them, as a socket read would
    return them together; the SSE events (and so the token-sized chunks) stay separate.
    Parts still arriving (an iterator: a live server behind the proxy) go on as they come."""
    if not isinstance(parts, list):
        return parts
    out: list[tuple[float, bytes]] = []
    for delay, data in parts:
        if out and delay <= 0:
            out[-1] = (out[-1][0], out[-1][1] + data)
        else:
            out.append((delay, data))
    return out


async def _parts_async(parts: Parts) -> AsyncIterator[tuple[float, bytes]]:
    """The parts for an async client; parts still arriving are waited for off the event loop."""
    if isinstance(parts, list):
        for part in _coalesced(parts):
            yield part
        return
    import anyio

    def take() -> list[tuple[float, bytes]]:
        return [part] if (part := next(parts, None)) is not None else []

    while got := await anyio.to_thread.run_sync(take):
        yield got[0]


def _read_timeout(request: Any) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    value = timeout.get("read")
    return None if value is None else float(value)


def _to_request(request: Any, body: bytes) -> Request:
    path = request.url.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.headers.raw}
    return Request(request.method, path, headers, body, "respx")


def _response(stack: ModuleType, plan: Plan, content: Any) -> Any:
    """The stack's ``Response``: ``content`` bytes (read), or an iterator streamed as it comes."""
    headers = plan.headers
    if plan.stream is None and not plan.cut:
        headers = [*headers, ("content-length", str(len(plan.body)))]
    extensions = {"http_version": b"HTTP/1.1", "reason_phrase": reason_phrase(plan.status).encode()}
    if isinstance(content, bytes):
        return stack.Response(plan.status, headers=headers, content=content, extensions=extensions)
    streams = _sync_stream if hasattr(content, "__next__") else _async_stream
    return stack.Response(plan.status, headers=headers, stream=streams(stack)(content),
                          extensions=extensions)  # fmt: skip


@functools.cache
def _sync_stream(stack: ModuleType) -> Any:
    """The stack's ``SyncByteStream`` over a generator (closing it closes the generator), as
    its ``HTTPTransport`` hands a connection's body on; no ``transfer-encoding`` is added."""

    class Stream(stack.SyncByteStream):  # type: ignore[misc,name-defined]
        def __init__(self, parts: Iterator[bytes]) -> None:
            self._parts = parts

        def __iter__(self) -> Iterator[bytes]:
            yield from self._parts

        def close(self) -> None:
            self._parts.close()  # type: ignore[attr-defined]

    return Stream


@functools.cache
def _async_stream(stack: ModuleType) -> Any:
    """The stack's ``AsyncByteStream`` over an async generator (see :func:`_sync_stream`)."""

    class Stream(stack.AsyncByteStream):  # type: ignore[misc,name-defined]
        def __init__(self, parts: AsyncIterator[bytes]) -> None:
            self._parts = parts

        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for part in self._parts:
                yield part

        async def aclose(self) -> None:
            await self._parts.aclose()  # type: ignore[attr-defined]

    return Stream


class RespxTransport:
    """Registers the core with both stack mockers for the origin of ``config.base_url``."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.base_url = core.config.base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        scheme = parts.scheme.encode()
        self.origin = (
            scheme,
            canonical_host((parts.hostname or "").encode()),
            parts.port or _DEFAULT_PORTS[scheme],
        )
        self._mockers = _mockers()

    def start(self) -> None:
        for mocker in self._mockers:
            for other in mocker.routers:
                if getattr(other, "origin", None) == self.origin:
                    raise ServerConfigError(
                        f"another fake server already answers at {self.base_url}; give this one "
                        "a different base_url (e.g. http://localhost:8001/v1)"
                    )
        for mocker in self._mockers:
            mocker.register(self)  # type: ignore[arg-type]
            mocker.start()

    def stop(self) -> None:
        for mocker in self._mockers:
            mocker.unregister(self)  # type: ignore[arg-type]
            mocker.stop()

    # -- sync -------------------------------------------------------------------------
    def respond_sync(self, request: Any, stack: ModuleType) -> Any:
        body = request.read()
        timeout = _read_timeout(request)
        plan = self.core.handle(_to_request(request, body))
        if plan.drop is not None:
            self._wait_sync(plan.stall, timeout, stack, plan)
            self.core.finished(plan)
            raise (
                stack.ReadError(_RESET)
                if plan.drop == "reset"
                else stack.RemoteProtocolError(_CLOSED)
            )
        self._wait_sync(plan.head_delay, timeout, stack, plan)
        if plan.stream is None and not plan.cut:
            self.core.finished(plan)
            return _response(stack, plan, plan.body)
        return _response(stack, plan, self._iter_sync(plan, timeout, stack))

    def _wait_sync(
        self, delay: float, timeout: float | None, stack: ModuleType, plan: Plan
    ) -> None:
        if delay <= 0:
            return
        if timeout is not None and delay >= timeout:
            time.sleep(timeout)
            self.core.finished(plan)
            raise stack.ReadTimeout("timed out")
        time.sleep(delay)

    def _iter_sync(self, plan: Plan, timeout: float | None, stack: ModuleType) -> Iterator[bytes]:
        try:
            if plan.stream is None:  # a non-stream body cut halfway
                yield plan.body
            else:
                for delay, data in _coalesced(plan.stream):
                    self._wait_sync(delay, timeout, stack, plan)
                    yield data
            if plan.cut:
                raise stack.RemoteProtocolError(_CUT)
        finally:
            self.core.finished(plan)

    # -- async ------------------------------------------------------------------------
    async def respond_async(self, request: Any, stack: ModuleType) -> Any:
        body = await request.aread()
        timeout = _read_timeout(request)
        plan = self.core.handle(_to_request(request, body))
        if plan.drop is not None:
            await self._wait_async(plan.stall, timeout, stack, plan)
            self.core.finished(plan)
            raise (
                stack.ReadError(_RESET)
                if plan.drop == "reset"
                else stack.RemoteProtocolError(_CLOSED)
            )
        await self._wait_async(plan.head_delay, timeout, stack, plan)
        if plan.stream is None and not plan.cut:
            self.core.finished(plan)
            return _response(stack, plan, plan.body)
        return _response(stack, plan, self._iter_async(plan, timeout, stack))

    async def _wait_async(
        self, delay: float, timeout: float | None, stack: ModuleType, plan: Plan
    ) -> None:
        if delay <= 0:
            return
        import anyio

        if timeout is not None and delay >= timeout:
            await anyio.sleep(timeout)
            self.core.finished(plan)
            raise stack.ReadTimeout("timed out")
        await anyio.sleep(delay)

    async def _iter_async(
        self, plan: Plan, timeout: float | None, stack: ModuleType
    ) -> AsyncIterator[bytes]:
        try:
            if plan.stream is None:
                yield plan.body
            else:
                async for delay, data in _parts_async(plan.stream):
                    await self._wait_async(delay, timeout, stack, plan)
                    yield data
            if plan.cut:
                raise stack.RemoteProtocolError(_CUT)
        finally:
            self.core.finished(plan)


def start_guard(guard: HostGuard) -> None:
    """Refuse in-process requests that ``guard`` (and no other active guard) allows."""
    for mocker in _mockers():
        mocker.register(guard)  # type: ignore[arg-type]
        mocker.start()


def stop_guard(guard: HostGuard) -> None:
    for mocker in _mockers():
        mocker.unregister(guard)  # type: ignore[arg-type]
        mocker.stop()
