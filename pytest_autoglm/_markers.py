"""Declared markers: one signature, one sentence, a keyword-only options builder.

A capability declares ``MARKERS = (MarkerSpec(...),)`` in its plugin module. The plugin
registers each with ``config.addinivalue_line("markers", ...)`` and checks every use at
collection, so ``@pytest.mark.autoglm_gpu(memroy="24 GiB")`` is a collection error that
names ``memroy`` rather than a surprise at run time. Keyword arguments merge across
module, class and function (nearest wins); positional arguments come from the nearest
marker that has any.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import pytest

from pytest_autoglm._options import FrozenRecord

OptionsT = TypeVar("OptionsT")


#: the kit's marker names each collected item carries, set once collection is final
KIT_MARKS_KEY = pytest.StashKey[frozenset[str]]()
#: (on the config) the kit's marker names that any collected item carries, set with the above
KIT_MARKS_USED_KEY = pytest.StashKey[frozenset[str]]()


def marks_in_use(config: pytest.Config, specs: tuple[MarkerSpec[Any], ...]) -> bool:
    """Whether a collected test may carry one of ``specs``: one set lookup per session, so
    a ``pytest_collection_finish`` hook need not look at every test when none is marked.

    ``True`` before collection is final (nothing noted yet): then look at each test.
    """
    used = config.stash.get(KIT_MARKS_USED_KEY, None)
    return used is None or any(spec.name in used for spec in specs)


def kit_marks(
    item: pytest.Item, names: frozenset[str], inherited: dict[int, frozenset[str]]
) -> frozenset[str]:
    """The names in ``names`` that ``item`` carries, from its own marks and its parents'.

    The same marks ``item.iter_markers()`` walks, but each parent (module, class) is
    walked once for all its tests: ``inherited`` caches what a parent chain carries, so a
    test with no marks of its own costs a dictionary lookup.
    """
    parent = item.parent
    key = id(parent)
    above = inherited.get(key)
    if above is None:
        chain = parent.listchain() if parent is not None else []
        above = frozenset(m.name for node in chain for m in node.own_markers if m.name in names)
        inherited[key] = above
    own = item.own_markers
    if not own:
        return above
    return above | {m.name for m in own if m.name in names}


class MarkerError(Exception):
    """A marker used with arguments its builder rejects; the message names the argument."""


class MarkerSpec(FrozenRecord, Generic[OptionsT]):
    """``build(*args, **kwargs)`` returns the options object or raises TypeError/ValueError.

    Positional arguments come from the nearest marker that has any; with
    ``accumulate=True`` they add up instead, outermost first (module, class, function),
    as ``autoglm_requires("torch", ...)`` needs.
    """

    FIELDS = ("name", "signature", "doc", "build", "accumulate")
    __slots__ = tuple(sorted(FIELDS))
    name: str
    signature: str
    doc: str
    build: Callable[..., OptionsT]
    accumulate: bool

    def __init__(
        self,
        name: str,
        signature: str,
        doc: str,
        build: Callable[..., OptionsT],
        accumulate: bool = False,
    ) -> None:
        # pytest splits a marker line at its first colon: one in the signature would cut it.
        if ":" in signature:
            raise ValueError(f"marker {name}: the signature must not contain ':'")
        self._set_fields(name, signature, doc, build, accumulate)

    @property
    def ini_line(self) -> str:
        return f"{self.name}({self.signature}): {self.doc}"

    def carried_by(self, node: pytest.Item) -> bool:
        """Whether the node may carry this marker: a set lookup once collection is final
        (per-test hooks ask for every test, and walking the node's marks each time is not free)."""
        names = node.stash.get(KIT_MARKS_KEY, None)
        return names is None or self.name in names

    def merged_arguments(self, node: pytest.Item) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
        if not self.carried_by(node):
            return None
        marks = list(node.iter_markers(self.name))  # nearest first
        if not marks:
            return None
        kwargs: dict[str, Any] = {}
        for mark in reversed(marks):
            kwargs.update(mark.kwargs)
        if self.accumulate:
            return tuple(arg for mark in reversed(marks) for arg in mark.args), kwargs
        return next((mark.args for mark in marks if mark.args), ()), kwargs

    def options_for(self, node: pytest.Item) -> OptionsT | None:
        """The options for this test, or ``None`` when it does not carry the marker."""
        merged = self.merged_arguments(node)
        if merged is None:
            return None
        args, kwargs = merged
        try:
            return self.build(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            raise MarkerError(
                f"@pytest.mark.{self.name}: {exc}\n  signature: {self.name}({self.signature})"
            ) from None


def keyword_builder(
    cls: Callable[..., OptionsT], *, positional: tuple[str, ...] = ()
) -> Callable[..., OptionsT]:
    """A builder for a keyword-only options dataclass that names unknown arguments.

    ``positional`` maps positional marker arguments onto fields, in order
    (``autoglm_no_leak(False)`` -> ``enabled=False``).
    """
    return deferred_keyword_builder(lambda: cls, positional=positional)


def deferred_keyword_builder(
    load: Callable[[], Callable[..., OptionsT]], *, positional: tuple[str, ...] = ()
) -> Callable[..., OptionsT]:
    """:func:`keyword_builder` for a dataclass that ``load()`` imports on the first use of
    the marker: a plugin module declares the marker without importing the options module
    (creating a dataclass costs 2-4 M instructions at startup, in every run)."""
    fields: list[str] = []

    def build(*args: Any, **kwargs: Any) -> OptionsT:
        cls = load()
        if not fields:
            import dataclasses

            fields.extend(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        if len(args) > len(positional):
            raise TypeError(
                f"takes {len(positional)} positional argument(s) but {len(args)} were given"
            )
        for name, value in zip(positional, args, strict=False):
            if name in kwargs:
                raise TypeError(f"got multiple values for argument {name!r}")
            kwargs[name] = value
        for name in kwargs:
            if name not in fields:
                from pytest_autoglm._reasons import did_you_mean

                hint = did_you_mean(name, fields)
                raise TypeError(f"unknown argument {name!r}{hint}; accepted: {', '.join(fields)}")
        return cls(**kwargs)

    return build


def register_when_marked(
    session: pytest.Session, specs: tuple[MarkerSpec[Any], ...], hooks: object, name: str
) -> None:
    """Register ``hooks`` (an object holding per-test hooks) only if a collected test
    carries one of ``specs``: a suite that uses none of them pays nothing per test.

    Call it from ``pytest_collection_finish``, after the kit noted each test's markers.
    """
    wanted = {spec.name for spec in specs}
    manager = session.config.pluginmanager
    if manager.get_plugin(name) is not None or not marks_in_use(session.config, specs):
        return
    if any(wanted & item.stash.get(KIT_MARKS_KEY, wanted) for item in session.items):
        manager.register(hooks, name)
