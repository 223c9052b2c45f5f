"""OpenAI chat messages and conversations built the way Open-AutoGLM's phone_agent builds them."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from pytest_autoglm.protocol import (
    Action,
    Back,
    CallAPI,
    DoubleTap,
    Finish,
    Home,
    Interact,
    Launch,
    LongPress,
    Note,
    Swipe,
    TakeOver,
    Tap,
    Type,
    TypeName,
    Wait,
    format_action,
)
from pytest_autoglm.strategies._images import screenshots as _screenshots
from pytest_autoglm.strategies._text import prompts as _prompts
from pytest_autoglm.strategies._validation import check_choice, check_int, check_range

Message = dict[str, Any]

#: Values of ``current_app`` as phone_agent reports them (``System Home`` when none matches).
CURRENT_APPS = ("System Home", "微信", "淘宝", "美团", "Settings", "Chrome", "小红书")
_WEEKDAYS_CN = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
# Short stand-ins for phone_agent's system prompts: the real first line (the date, computed
# once at import) and the required output format; the long rule list is left out for speed.
_SYSTEM_CN = (
    "你是一个智能体分析专家，可以根据操作历史和当前状态图执行一系列操作来完成任务。\n"
    "你必须严格按照要求输出以下格式：\n<think>{think}</think>\n<answer>{action}</answer>"
)
_SYSTEM_EN = (
    "# Setup\nYou are a professional Android operation agent assistant that can fulfill "
    "the user's high-level instructions.\nOutput format: <think>{think}</think>\n"
    "<answer>{action}</answer>"
)
LANGS = ("cn", "en")


def screen_info(app: str) -> str:
    """``{"current_app": "微信"}``: ``json.dumps(..., ensure_ascii=False)`` as phone_agent writes it."""
    return json.dumps({"current_app": app}, ensure_ascii=False)


def image_part(url: str) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url}}


def text_part(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


_APPS = st.sampled_from(CURRENT_APPS)


#: Dates the system prompts carry: phone_agent computes the date once, at import.
_DATES = (date(2025, 12, 11), date(2024, 2, 29), date(2026, 1, 1), date(2030, 12, 31))


def _system_prompt(lang: str, day: date) -> str:
    if lang == "cn":
        head = f"今天的日期是: {day.year}年{day.month:02d}月{day.day:02d}日 {_WEEKDAYS_CN[day.weekday()]}"
        return f"{head}\n{_SYSTEM_CN}"
    return f"The current date: {day.isoformat()}, {day.strftime('%A')}\n{_SYSTEM_EN}"


@cache
def _system_messages(lang: str | None) -> SearchStrategy[Message]:
    langs = LANGS if lang is None else (lang,)
    prompts = [_system_prompt(chosen, day) for day in _DATES for chosen in langs]
    return st.sampled_from(prompts).map(lambda text: {"role": "system", "content": text})


def _user_text(draw: st.DrawFn, first: bool, prompt_strategy: SearchStrategy[str]) -> str:
    info = screen_info(draw(_APPS))
    if first:
        return f"{draw(prompt_strategy)}\n\n{info}"
    return f"** Screen Info **\n\n{info}"


#: History replies: every action type, hard texts included, with and without thinking.
_HISTORY: tuple[tuple[str, Action], ...] = (
    ("当前在系统桌面，需要先打开微信。", Launch(app="微信")),
    ("", Tap(element=(500, 120))),
    ("点击搜索框", Type(text='无线耳机 "降噪" \\ 50%')),
    ("I need to confirm the payment.", Tap(element=(999, 0), message="确认支付？")),
    ("Scroll down to find the shop.", Swipe(start=(500, 800), end=(500, 200))),
    ("", Back()),
    ("回到桌面", Home()),
    ("页面还在加载，等待一下。", Wait(duration="2 seconds")),
    ("长按消息", LongPress(element=(321, 654))),
    ("", DoubleTap(element=(0, 999))),
    ("需要用户登录", TakeOver(message="请登录账号")),
    ("记录价格", Note(message="True")),
    ("总结页面内容", CallAPI(instruction="总结评论")),
    ("", TypeName(text="张三")),
    ("需要用户选择", Interact()),
    ("任务已完成。", Finish(message="已为你找到 3 家店铺：\n1. 海底捞")),
)


@cache
def _assistant_messages() -> SearchStrategy[Message]:
    # What phone_agent appends after each reply: no newline, closed answer tag.
    replies = [
        {"role": "assistant", "content": f"<think>{t}</think><answer>{format_action(a)}</answer>"}
        for t, a in _HISTORY
    ]
    return st.sampled_from(replies).map(dict)


@st.composite
def _conversation(
    draw: st.DrawFn,
    turn_counts: SearchStrategy[int],
    lang: str | None,
    prompt_strategy: SearchStrategy[str],
    image_strategy: SearchStrategy[str],
) -> list[Message]:
    turns = draw(turn_counts)
    conversation = [draw(_system_messages(lang))]
    for step in range(turns):
        text = _user_text(draw, step == 0, prompt_strategy)
        if step == turns - 1:  # the current step: the one screenshot of the request
            content = [image_part(draw(image_strategy)), text_part(text)]
            conversation.append({"role": "user", "content": content})
        else:  # an earlier step: phone_agent has stripped its image, keeping the text items
            conversation.append({"role": "user", "content": [text_part(text)]})
            conversation.append(draw(_assistant_messages()))
    return conversation


def conversations(
    *,
    min_turns: int = 1,
    max_turns: int = 4,
    lang: str | None = None,
    prompts: SearchStrategy[str] | None = None,
    screenshots: SearchStrategy[str] | None = None,
) -> SearchStrategy[list[Message]]:
    """Whole ``messages`` lists as phone_agent sends them at step ``min_turns``..``max_turns``.

    A ``system`` prompt (``lang`` ``"cn"`` or ``"en"``, both when ``None``, dated like the
    real one); the first ``user`` message holds the task (from ``prompts``) and
    ``{"current_app": ...}``; later ones ``** Screen Info **``; each earlier step is followed
    by the ``assistant`` reply phone_agent keeps (``<think>..</think><answer>..</answer>``)
    and has its image stripped, so only the last user message carries a screenshot (a
    ``data:image/png;base64`` URL from ``screenshots``). Exactly one image per conversation.

    Shrinks towards one turn: the system prompt and a single user message with a short
    task and a minimal screenshot.
    """
    min_turns = check_int("min_turns", min_turns, min_value=1)
    max_turns = check_int("max_turns", max_turns, min_value=1)
    check_range("min_turns", min_turns, "max_turns", max_turns)
    if lang is not None:
        check_choice("lang", lang, LANGS)
    return _conversation(
        st.integers(min_turns, max_turns),
        lang,
        _default_prompts() if prompts is None else _strategy("prompts", prompts),
        _default_screenshots() if screenshots is None else _strategy("screenshots", screenshots),
    )


@cache
def _default_prompts() -> SearchStrategy[str]:
    return _prompts(max_size=400)


@cache
def _default_screenshots() -> SearchStrategy[str]:
    return _screenshots(as_data_url=True)


def _strategy(name: str, value: Any) -> SearchStrategy[Any]:
    if not isinstance(value, SearchStrategy):
        from hypothesis.errors import InvalidArgument

        raise InvalidArgument(
            f"Expected a SearchStrategy but got {name}={value!r} (type={type(value).__name__})"
        )
    return value


ROLES = ("system", "user", "assistant")


@st.composite
def _message(draw: st.DrawFn, role: str | None) -> Message:
    chosen = role or draw(st.sampled_from(ROLES))
    if chosen == "system":
        return draw(_system_messages(None))
    if chosen == "assistant":
        return draw(_assistant_messages())
    first = draw(st.booleans())
    text = _user_text(draw, first, _default_prompts())
    if draw(st.booleans()):
        url = draw(_default_screenshots())
        return {"role": "user", "content": [image_part(url), text_part(text)]}
    return {"role": "user", "content": [text_part(text)]}


def messages(*, role: str | None = None) -> SearchStrategy[Message]:
    """Single chat messages of ``role`` (``"system"``, ``"user"``, ``"assistant"``; any when ``None``).

    Shaped like phone_agent's: a system prompt string; user content lists of one
    screenshot ``image_url`` part and a text part (task or ``** Screen Info **`` with
    ``{"current_app": ...}``), or the text part alone as in older turns; assistant
    history ``<think>..</think><answer>..</answer>``. Shrinks towards a short system prompt.
    """
    if role is not None:
        check_choice("role", role, ROLES)
    return _message(role)
