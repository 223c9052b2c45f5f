"""Actions the model can ask for: every type, coordinates on the 0..999 grid, hard texts."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from pytest_autoglm.protocol._actions import (
    ACTION_TYPES,
    ARG_SPECS,
    COORDINATE_MAX,
    Action,
    Launch,
    Tap,
    Wait,
)
from pytest_autoglm.protocol._parse import FINISH_MARKER

#: App names as the model writes them (Open-AutoGLM's APP_PACKAGES keys, and unknown ones).
APP_NAMES = (
    "微信",
    "淘宝",
    "京东",
    "美团",
    "小红书",
    "抖音",
    "高德地图",
    "Settings",
    "Chrome",
    "WhatsApp",
)
_TEXT_PIECES = (
    "a", "搜索", "你好", "hello world", '"', "'", "\\", "\\n", "\n", "\t", "“引号”", "（）",
    '")', "=", ",", "[1, 2]", "text=", "\u200b", "👍🏽", "مرحبا", "%s", "{}", " ",
)  # fmt: skip


def _reply_safe(text: str) -> bool:
    # phone_agent splits a reply at the first 'finish(message=' anywhere, and deletes every
    # one from a finish message: an action text holding it cannot survive a round trip.
    return FINISH_MARKER not in text


_RANDOM_PIECE = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=6)
_PIECES = st.sampled_from((*_TEXT_PIECES, None))  # None: a random piece
_PIECE_COUNTS = st.integers(0, 4)


@st.composite
def _action_text(draw: st.DrawFn, max_size: int) -> str:
    parts = []
    for _ in range(draw(_PIECE_COUNTS)):
        piece = draw(_PIECES)
        parts.append(draw(_RANDOM_PIECE) if piece is None else piece)
    return "".join(parts)[:max_size]


@cache
def action_texts(*, max_size: int = 40) -> SearchStrategy[str]:
    """Short texts with the characters that break naive action formatting; shrinks to ``""``."""
    return _action_text(max_size).filter(_reply_safe)


_POINTS = st.tuples(st.integers(0, COORDINATE_MAX), st.integers(0, COORDINATE_MAX))


def _builder(cls: type[Action], texts: SearchStrategy[str]) -> SearchStrategy[Action]:
    if cls is Launch:
        return st.builds(Launch, app=st.one_of(st.sampled_from(APP_NAMES), texts))
    if cls is Wait:
        seconds = st.integers(0, 30).map(lambda n: f"{n} seconds")
        return st.builds(Wait, duration=st.one_of(seconds, texts))
    if cls is Tap:
        return st.builds(Tap, element=_POINTS, message=st.none() | texts)
    kwargs: dict[str, SearchStrategy[Any]] = {
        spec.name: _POINTS if spec.kind == "point" else texts for spec in ARG_SPECS[cls]
    }
    return st.builds(cls, **kwargs)


def actions(
    *, types: Sequence[type[Action]] | None = None, texts: SearchStrategy[str] | None = None
) -> SearchStrategy[Action]:
    """Actions of every type (or of ``types``), as :mod:`pytest_autoglm.protocol` values.

    Coordinates cover the whole 0..999 grid; texts (Type text, finish message, Launch
    app, Tap confirmation message, ...) hold quotes, backslashes, newlines, ``")``,
    ``text=``, Chinese, RTL text and emoji, unless ``texts`` replaces them. Texts never
    contain ``finish(message=``, which no reply can carry through phone_agent. Every
    action survives ``parse_action(format_action(a)) == a``.

    Shrinks towards the first type in ``types`` (``Launch(app="微信")`` by default),
    coordinates ``(0, 0)`` and empty texts.
    """
    chosen = ACTION_TYPES if types is None else types
    if isinstance(chosen, type) or not isinstance(chosen, Sequence) or not chosen:
        raise InvalidArgument(
            f"Expected a non-empty sequence of action types (Tap, Type, ...) but got types={types!r}"
        )
    unknown = [t for t in chosen if t not in ACTION_TYPES]
    if unknown:
        names = ", ".join(t.__name__ for t in ACTION_TYPES)
        raise InvalidArgument(f"Expected action types from {names} but got {unknown!r} in types")
    if texts is not None and not isinstance(texts, SearchStrategy):
        raise InvalidArgument(
            f"Expected a SearchStrategy[str] but got texts={texts!r} (type={type(texts).__name__})"
        )
    return _actions_of(tuple(dict.fromkeys(chosen)), texts if texts is not None else action_texts())


@cache  # built once per arguments: strategies are values, and validating them is not free
def _actions_of(
    types: tuple[type[Action], ...], texts: SearchStrategy[str]
) -> SearchStrategy[Action]:
    return st.one_of([_builder(cls, texts) for cls in types])
