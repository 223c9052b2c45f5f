"""Workloads for the leak check: ordinary clean code, and the leak patterns users really hit.

Each entry is a factory returning a fresh round body (a zero-argument callable), so that
every check starts from its own state. Used by the tests and by ``bench/bench_leaks.py``.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import logging
import sys
import types
from collections.abc import Callable

Body = Callable[[], object]
KiB = 1024


# -- clean: one-off or bounded growth, garbage the collector frees --------------------------
def temporaries() -> Body:
    def body() -> None:
        chunks = [bytearray(KiB) for _ in range(64)]
        del chunks

    return body


def lazy_import() -> Body:
    """A module built on first use (like a lazy import), 64 KiB of tables at once."""
    holder: dict[str, types.ModuleType] = {}

    def body() -> None:
        if "mod" not in holder:
            mod = types.ModuleType("lazy_tables")
            mod.TABLE = [str(i) * 8 for i in range(2000)]  # type: ignore[attr-defined]
            holder["mod"] = mod
        _ = len(holder["mod"].TABLE)

    return body


def late_one_off() -> Body:
    """A one-off 256 KiB allocation in the middle of the measured rounds (round 15 of 25)."""
    kept: list[bytes] = []
    rounds = iter(range(10**9))

    def body() -> None:
        if next(rounds) == 15:
            kept.append(bytes(256 * KiB))

    return body


def bounded_lru_cache() -> Body:
    """An lru_cache(maxsize=8) fed 32 distinct keys in turn: full after 8 rounds, then flat."""

    @functools.lru_cache(maxsize=8)
    def render(key: int) -> bytes:
        return bytes(KiB) + key.to_bytes(4, "little")

    keys = iter(range(10**9))

    def body() -> None:
        render(next(keys) % 32)

    return body


def slowly_filling_cache(bound: int = 32) -> Body:
    """A cache that gains 1 KiB per round until its bound (32 entries), then stays flat: longer
    than the warm-up and the first measured window together. The openai SDK, httpx and
    pydantic fill their lazy caches like this over the first 30-50 requests of a process."""
    cache: dict[int, bytes] = {}
    keys = iter(range(10**9))

    def body() -> None:
        key = next(keys)
        if len(cache) < bound:
            cache[key] = bytes(KiB)

    return body


def attribute_names_built_per_call() -> Body:
    """``getattr`` with a name built per call, as PIL's PNG reader does per chunk
    (``getattr(self, f"chunk_{cid}")``): CPython's attribute cache keeps each new name in
    one of its 4096 slots, about 0.9 KiB/round here for some 250 rounds, then flat."""
    classes = [type(f"Chunks{i}", (), {f"chunk_{i}": i}) for i in range(16)]

    def body() -> None:
        for i, cls in enumerate(classes):
            getattr(cls, "".join(("chunk_", str(i))))

    return body


def interned_strings() -> Body:
    words = [f"action-{i}" for i in range(200)]

    def body() -> None:
        for word in words:
            sys.intern("".join(word))

    return body


def logging_setup() -> Body:
    """getLogger + a handler added once, then a debug line per round (filtered by level)."""
    logger = logging.getLogger(f"corpus.agent.{id(object())}")

    def body() -> None:
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())
            logger.setLevel(logging.INFO)
        logger.debug("step %d", 1)
        logger.info("screenshot taken")

    return body


def reference_cycles() -> Body:
    class Node:
        def __init__(self) -> None:
            self.other: Node | None = None
            self.payload = bytearray(KiB)

    def body() -> None:
        a, b = Node(), Node()
        a.other, b.other = b, a

    return body


def caught_exceptions() -> Body:
    def body() -> None:
        try:
            {}["missing"]
        except KeyError as exc:
            _ = exc.__traceback__

    return body


def closed_clients() -> Body:
    """An httpx client opened and closed per round (the right way)."""
    import httpx

    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True}))

    def body() -> None:
        with httpx.Client(transport=transport) as client:
            client.get("http://localhost:8000/v1/models")

    return body


def hypothesis_runs() -> Body:
    """A small @given test run per round: hypothesis's own bookkeeping must not trip the check."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=5, database=None, deadline=None)
    @given(st.lists(st.integers(), max_size=5))
    def check_sorted(xs: list[int]) -> None:
        assert sum(xs) == sum(reversed(xs))

    def body() -> None:
        check_sorted()

    return body


CLEAN: dict[str, Callable[[], Body]] = {
    "temporaries": temporaries,
    "lazy_import": lazy_import,
    "late_one_off": late_one_off,
    "bounded_lru_cache": bounded_lru_cache,
    "slowly_filling_cache": slowly_filling_cache,
    "attribute_names_built_per_call": attribute_names_built_per_call,
    "interned_strings": interned_strings,
    "logging_setup": logging_setup,
    "reference_cycles": reference_cycles,
    "caught_exceptions": caught_exceptions,
    "closed_clients": closed_clients,
    "hypothesis_runs": hypothesis_runs,
}


# -- leaks: steady growth per round ---------------------------------------------------------
def module_list_append(size: int = KiB) -> Body:
    """The classic: a module-level list that every step appends to (1 KiB per round)."""
    history: list[bytes] = []

    def body() -> None:
        history.append(bytes(size - sys.getsizeof(b"")))

    return body


def growing_dict_cache() -> Body:
    """A cache keyed by something new every round (a timestamp, a request id): never evicts."""
    cache: dict[int, str] = {}
    ids = iter(range(10**9))

    def body() -> None:
        request_id = next(ids)
        cache[request_id] = f"reply-{request_id}" * 200

    return body


def unclosed_clients() -> Body:
    """An httpx client created per step and kept (never closed): pools, SSL context, buffers."""
    import httpx

    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True}))
    clients: list[httpx.Client] = []

    def body() -> None:
        client = httpx.Client(transport=transport)
        client.get("http://localhost:8000/v1/models")
        clients.append(client)

    return body


def cycles_with_del() -> Body:
    """Objects in a cycle whose ``__del__`` resurrects them into a registry: never freed."""
    registry: list[object] = []

    class Session:
        def __init__(self) -> None:
            self.me = self
            self.buffer = bytearray(2 * KiB)

        def __del__(self) -> None:
            registry.append(self)

    def body() -> None:
        Session()
        gc.collect()

    return body


def tensors_kept(numel: int = 16 * KiB) -> Body:
    """torch tensors (64 KiB of float32 each) kept in a list: CPU memory outside the Python heap."""
    import torch

    kept: list[torch.Tensor] = []

    def body() -> None:
        kept.append(torch.ones(numel))

    return body


def native_malloc(size: int = 64 * KiB) -> Body:
    """ctypes malloc of 64 KiB per round, written to and never freed: only RSS sees it."""
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]

    def body() -> None:
        pointer = libc.malloc(size)
        ctypes.memset(pointer, 1, size)

    return body


#: name -> (factory, the source that must see it)
LEAKS: dict[str, tuple[Callable[[], Body], str]] = {
    "module_list_append": (module_list_append, "Python heap"),
    "growing_dict_cache": (growing_dict_cache, "Python heap"),
    "unclosed_clients": (unclosed_clients, "Python heap"),
    "cycles_with_del": (cycles_with_del, "Python heap"),
    "tensors_kept": (tensors_kept, "RSS"),
    "native_malloc": (native_malloc, "RSS"),
}
