"""Every action type: its value, the exact text the model writes, and both parsers reading it."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys

import pytest

from pytest_autoglm.protocol import (
    ACTION_NAMES,
    ACTION_TYPES,
    Action,
    ActionParseError,
    Back,
    CallAPI,
    DoubleTap,
    Finish,
    Home,
    Interact,
    Launch,
    LongPress,
    Note,
    ProtocolError,
    Swipe,
    TakeOver,
    Tap,
    Type,
    TypeName,
    Wait,
    agent_action_dict,
    format_action,
    parse_action,
    phone_agent_parse_action,
    tap_pixels,
)
from pytest_autoglm.protocol._actions import ARG_SPECS

# One row per action type, written exactly as the model writes it (PROTOCOL.md section 1).
CANONICAL: list[tuple[Action, str]] = [
    (Launch(app="京东"), 'do(action="Launch", app="京东")'),
    (Tap(element=(500, 120)), 'do(action="Tap", element=[500, 120])'),
    (
        Tap(element=(500, 120), message="重要操作"),
        'do(action="Tap", element=[500, 120], message="重要操作")',
    ),
    (Type(text="hello 世界"), 'do(action="Type", text="hello 世界")'),
    (TypeName(text="张三"), 'do(action="Type_Name", text="张三")'),
    (Interact(), 'do(action="Interact")'),
    (
        Swipe(start=(500, 800), end=(500, 200)),
        'do(action="Swipe", start=[500, 800], end=[500, 200])',
    ),
    (Note(message="True"), 'do(action="Note", message="True")'),
    (CallAPI(instruction="总结页面内容"), 'do(action="Call_API", instruction="总结页面内容")'),
    (LongPress(element=(0, 999)), 'do(action="Long Press", element=[0, 999])'),
    (DoubleTap(element=(999, 0)), 'do(action="Double Tap", element=[999, 0])'),
    (TakeOver(message="请登录"), 'do(action="Take_over", message="请登录")'),
    (Back(), 'do(action="Back")'),
    (Home(), 'do(action="Home")'),
    (Wait(duration="2 seconds"), 'do(action="Wait", duration="2 seconds")'),
    (Finish(message="done"), 'finish(message="done")'),
]
IDS = [
    type(action).__name__
    + ("+message" if getattr(action, "message", None) and isinstance(action, Tap) else "")
    for action, _ in CANONICAL
]


def test_the_table_covers_every_action_type() -> None:
    assert {type(action) for action, _ in CANONICAL} == set(ACTION_TYPES)
    assert set(ACTION_NAMES) == set(ACTION_TYPES)
    assert len(set(ACTION_NAMES.values())) == len(ACTION_TYPES)


@pytest.mark.parametrize(("action", "text"), CANONICAL, ids=IDS)
def test_format_writes_what_the_model_writes(action: Action, text: str) -> None:
    assert format_action(action) == text


@pytest.mark.parametrize(("action", "text"), CANONICAL, ids=IDS)
def test_parse_reads_it_back(action: Action, text: str) -> None:
    assert parse_action(text) == action


@pytest.mark.parametrize(("action", "text"), CANONICAL, ids=IDS)
def test_the_real_agent_reads_the_same_action(action: Action, text: str) -> None:
    assert phone_agent_parse_action(text) == agent_action_dict(action)


def test_agent_dicts_use_lists_and_normalise_type_name() -> None:
    assert agent_action_dict(Tap(element=(1, 2))) == {
        "_metadata": "do",
        "action": "Tap",
        "element": [1, 2],
    }
    assert agent_action_dict(TypeName(text="x")) == {
        "_metadata": "do",
        "action": "Type",
        "text": "x",
    }
    assert agent_action_dict(Finish(message="ok")) == {"_metadata": "finish", "message": "ok"}


def test_the_argument_table_matches_the_dataclasses() -> None:
    for cls in ACTION_TYPES:
        assert [f.name for f in dataclasses.fields(cls)] == [s.name for s in ARG_SPECS[cls]], cls


def test_actions_are_frozen_hashable_and_keyword_friendly() -> None:
    tap = Tap(element=(1, 2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        tap.element = (3, 4)  # type: ignore[misc]
    assert Tap((1, 2)) == tap
    assert len({tap, Tap(element=(1, 2)), Back()}) == 2


def test_a_list_point_is_stored_as_a_tuple() -> None:
    tap = Tap(element=[500, 120])  # type: ignore[arg-type]
    assert tap.element == (500, 120)
    assert tap == Tap(element=(500, 120))


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        pytest.param(
            lambda: Tap(element=(1000, 5)),
            "Tap.element x must be in 0..999 (the model's grid); got 1000",
            id="x-too-big",
        ),
        pytest.param(
            lambda: Tap(element=(5, -1)),
            "Tap.element y must be in 0..999 (the model's grid); got -1",
            id="y-negative",
        ),
        pytest.param(
            lambda: Swipe(start=(1, 2), end=(1, 2, 3)),
            "Swipe.end must be two integers [x, y] in 0..999; got (1, 2, 3)",
            id="three-coordinates",
        ),
        pytest.param(
            lambda: LongPress(element=(1.5, 2)),
            "LongPress.element x must be an int in 0..999; got 1.5 (float)",
            id="float",
        ),
        pytest.param(
            lambda: DoubleTap(element=(True, 2)),
            "DoubleTap.element x must be an int in 0..999; got True (bool)",
            id="bool",
        ),
        pytest.param(
            lambda: Tap(element="500,120"),
            "Tap.element must be two integers [x, y] in 0..999; got '500,120'",
            id="string-point",
        ),
        pytest.param(
            lambda: Launch(app=3), "Launch.app must be a str; got 3 (int)", id="app-not-str"
        ),
        pytest.param(
            lambda: Tap(element=(1, 2), message=b"x"),
            "Tap.message must be a str; got b'x' (bytes)",
            id="message-bytes",
        ),
        pytest.param(
            lambda: Type(text="a\ud800"),
            "Type.text holds a lone surrogate U+D800 at index 1",
            id="surrogate",
        ),
        pytest.param(
            lambda: Finish(message='see finish(message="x")'),
            "Finish.message contains 'finish(message=' at index 4",
            id="finish-marker",
        ),
    ],
)
def test_bad_values_raise_protocol_error_naming_field_and_value(
    make: object, fragment: str
) -> None:
    with pytest.raises(ProtocolError) as info:
        make()  # type: ignore[operator]
    assert fragment in str(info.value)


def test_protocol_errors_are_value_errors() -> None:
    assert issubclass(ProtocolError, ValueError)
    assert issubclass(ActionParseError, ProtocolError)


def test_format_rejects_something_that_is_not_an_action() -> None:
    with pytest.raises(ProtocolError, match=r"format_action needs an action value .*got 'Back'"):
        format_action("Back")  # type: ignore[arg-type]


def test_parse_rejects_something_that_is_not_text() -> None:
    with pytest.raises(ProtocolError, match="parse_action needs a str; got bytes"):
        parse_action(b'do(action="Back")')  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("duration", "seconds"),
    [("2 seconds", 2.0), ("0.5 seconds", 0.5), ("3", 3.0), ("1 second", 1.0), ("soon", 1.0)],
)
def test_wait_seconds_is_what_phone_agent_sleeps(duration: str, seconds: float) -> None:
    assert Wait(duration=duration).seconds == seconds


@pytest.mark.parametrize(
    ("point", "size", "pixels"),
    [
        ((500, 120), (1080, 2400), (540, 288)),
        ((999, 999), (1080, 2400), (1078, 2397)),
        ((0, 0), (720, 1280), (0, 0)),
        ((333, 667), (1080, 2400), (359, 1600)),
    ],
)
def test_tap_pixels_converts_like_phone_agent(
    point: tuple[int, int], size: tuple[int, int], pixels: tuple[int, int]
) -> None:
    assert tap_pixels(point, *size) == pixels
    assert pixels == (int(point[0] / 1000 * size[0]), int(point[1] / 1000 * size[1]))


@pytest.mark.parametrize(
    ("point", "width", "height", "fragment"),
    [
        ((1000, 0), 1080, 2400, "tap_pixels point x must be in 0..999"),
        ((1, 2), 0, 2400, "tap_pixels width must be a positive int of pixels; got 0"),
        ((1, 2), 1080, 2400.0, "tap_pixels height must be a positive int of pixels; got 2400.0"),
    ],
)
def test_tap_pixels_rejects_bad_input(
    point: tuple[int, int], width: int, height: int, fragment: str
) -> None:
    with pytest.raises(ProtocolError) as info:
        tap_pixels(point, width, height)
    assert fragment in str(info.value)


def test_parse_errors_survive_pickling() -> None:
    with pytest.raises(ActionParseError) as info:
        parse_action('do(action="Back")x')
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.text, copy.column, copy.reason) == (info.value.text, 17, info.value.reason)
    assert str(copy) == str(info.value)


def test_a_user_test_file_uses_the_protocol(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_autoglm import Tap, format_action, parse_action, render_reply, split_reply
        from pytest_autoglm.protocol import ActionParseError

        def test_round_trip():
            reply = render_reply(Tap(element=(500, 120)), thinking="点搜索框")
            assert parse_action(split_reply(reply).action_text) == Tap(element=(500, 120))

        def test_error_points_at_the_column():
            with pytest.raises(ActionParseError) as info:
                parse_action('do(action="Tap", element=[500, 1200])')
            assert info.value.column == 31

        def test_shows_the_caret():
            parse_action('do(action="Back")</answer>')
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*ActionParseError: unexpected text after the closing ')': '</answer>'*(column 17)",
            '*  do(action="Back")</answer>',
            "*                   ^",
        ]
    )


def test_importing_the_protocol_stays_cheap() -> None:
    # A fresh interpreter: the fake server and user code import this at collection time.
    heavy = ["httpx", "httpx2", "respx", "hypothesis", "openai", "torch", "pynvml", "docker"]
    code = (
        "import sys, pytest_autoglm.protocol\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
