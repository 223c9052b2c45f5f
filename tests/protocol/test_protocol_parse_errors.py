"""The strict parser: what it accepts, and where it points when it rejects."""

from __future__ import annotations

import pytest

from pytest_autoglm.protocol import (
    ActionParseError,
    Finish,
    Launch,
    LongPress,
    Note,
    Swipe,
    Tap,
    Type,
    agent_action_dict,
    parse_action,
    phone_agent_parse_action,
)

# (id, text, column, words the reason must contain)
REJECTED = [
    (
        "closing-tag-do",
        'do(action="Back")</answer>',
        17,
        "unexpected text after the closing ')': '</answer>'",
    ),
    (
        "closing-tag-type",
        'do(action="Type", text="hi")</answer>',
        28,
        "unexpected text after the closing ')': '</answer>'",
    ),
    (
        "closing-tag-finish",
        'finish(message="done")</answer>',
        22,
        "unexpected text after the closing ')'",
    ),
    (
        "words-after",
        'do(action="Home") then wait',
        18,
        "unexpected text after the closing ')': 'then wait'",
    ),
    ("missing-paren", 'do(action="Tap", element=[500, 120]', 35, "missing ')' at the end"),
    ("missing-paren-raw", 'finish(message="done"', 21, "missing ')' at the end"),
    (
        "unknown-action",
        'do(action="Fly", element=[1, 2])',
        10,
        "unknown action 'Fly'; known: Launch, Tap,",
    ),
    (
        "near-miss-action",
        'do(action="LongPress", element=[1, 2])',
        10,
        "did you mean 'Long Press'?",
    ),
    (
        "do-finish",
        'do(action="finish", message="x")',
        10,
        'finishing is written finish(message="...")',
    ),
    (
        "unknown-call",
        "tap(element=[1, 2])",
        0,
        "unknown call 'tap'; expected do(...) or finish(...)",
    ),
    ("not-a-call", "好的，我来点击", 0, "expected do(...) or finish(...); found '好'"),
    ("empty", "", 0, "empty action"),
    ("blank", "  \n ", 4, "empty action"),
    (
        "x-out-of-range",
        'do(action="Tap", element=[1000, 120])',
        26,
        "coordinate 1000 in element is outside 0..999",
    ),
    (
        "y-out-of-range",
        'do(action="Tap", element=[500, 1200])',
        31,
        "coordinate 1200 in element is outside 0..999",
    ),
    (
        "negative",
        'do(action="Swipe", start=[-5, 1], end=[1, 1])',
        26,
        "coordinate -5 in start is outside 0..999",
    ),
    (
        "float",
        'do(action="Tap", element=[500.5, 120])',
        26,
        "must be whole numbers 0..999; got '500.5'",
    ),
    ("leading-zero", 'do(action="Tap", element=[0500, 120])', 26, "leading zero in '0500'"),
    ("three-coordinates", 'do(action="Tap", element=[1, 2, 3])', 30, "more than two coordinates"),
    (
        "one-coordinate",
        'do(action="Tap", element=[1])',
        27,
        "expected ',' between the two coordinates of element; found ']'",
    ),
    (
        "not-a-number",
        'do(action="Tap", element=[x, 2])',
        26,
        "expected an integer coordinate in element; found 'x'",
    ),
    (
        "point-as-string",
        'do(action="Tap", element="500,120")',
        25,
        "element must be a point [x, y]; found a string",
    ),
    (
        "string-as-point",
        'do(action="Launch", app=[1, 2])',
        24,
        "app must be a string in double quotes; found a list",
    ),
    ("missing-argument", 'do(action="Tap")', 15, "missing argument 'element' for Tap"),
    ("missing-end", 'do(action="Swipe", start=[1, 2])', 31, "missing argument 'end' for Swipe"),
    ("missing-type-text", 'do(action="Type")', 16, "missing argument 'text' for Type"),
    (
        "unknown-argument",
        'do(action="Tap", elem=[1, 2])',
        17,
        "unknown argument 'elem' for Tap; it takes element, message",
    ),
    (
        "argument-for-none",
        'do(action="Back", element=[1, 2])',
        18,
        "unknown argument 'element' for Back; it takes no arguments",
    ),
    (
        "duplicate-argument",
        'do(action="Tap", element=[1, 2], element=[3, 4])',
        33,
        "argument 'element' given twice",
    ),
    (
        "action-not-first",
        'do(element=[1, 2], action="Tap")',
        3,
        'expected action="..." as the first argument',
    ),
    ("unterminated", 'do(action="Launch", app="微信)', 24, "unterminated string for app"),
    (
        "unterminated-raw",
        'do(action="Type", text="abc',
        23,
        "unterminated string: no closing '\")'",
    ),
    (
        "full-width-quotes",
        "do(action=“Tap”, element=[1, 2])",
        10,
        "full-width '“' (U+201C); the model must write the ASCII '\"'",
    ),
    ("full-width-paren", 'do（action="Back")', 2, "full-width '（' (U+FF08)"),
    ("full-width-comma", 'do(action="Tap"，element=[1, 2])', 15, "full-width '，' (U+FF0C)"),
    ("single-quotes", "do(action='Back')", 10, "must be in double quotes"),
    (
        "unknown-escape",
        r'do(action="Note", message="C:\data")',
        29,
        r"unknown escape '\d'; write '\\' for a backslash",
    ),
    ("short-hex-escape", r'do(action="Note", message="\u12")', 27, r"'\u' needs 4 hex digits"),
    (
        "raw-control",
        'do(action="Note", message="a\x00b")',
        28,
        "raw control character U+0000 inside a string; write \\x00",
    ),
    (
        "newline-between-tokens",
        'do(action="Tap",\nelement=[1, 2])',
        16,
        "expected an argument name; found '\\n'",
    ),
    (
        "type-prefix-space",
        'do( action="Type", text="x")',
        3,
        "a Type action must start exactly with 'do(action=\"Type\"'",
    ),
    ("type-text-space", 'do(action="Type", text = "x")', 22, "expected '=' right after 'text'"),
    ("type-quote-space", 'do(action="Type", text= "x")', 23, "expected '\"' right after 'text='"),
    (
        "type-close-space",
        'do(action="Type", text="x" )',
        26,
        "write ')' right after the closing '\"'",
    ),
    (
        "finish-prefix-space",
        'finish( message="done")',
        7,
        "a finish action must start exactly with 'finish(message=\"'",
    ),
    (
        "finish-other-argument",
        'finish(result="done")',
        7,
        "a finish action must start exactly with",
    ),
    (
        "finish-marker-in-message",
        'finish(message="a finish(message= b")',
        18,
        "which phone_agent deletes from it",
    ),
]


@pytest.mark.parametrize(
    ("text", "column", "reason"), [r[1:] for r in REJECTED], ids=[r[0] for r in REJECTED]
)
def test_rejects_with_the_offending_column(text: str, column: int, reason: str) -> None:
    with pytest.raises(ActionParseError) as info:
        parse_action(text)
    error = info.value
    assert (error.column, error.text) == (column, text)
    assert reason in error.reason
    assert str(error).startswith(error.reason)


def test_the_message_puts_a_caret_under_the_column() -> None:
    with pytest.raises(ActionParseError) as info:
        parse_action('do(action="Tap", element=[500, 1200])')
    assert str(info.value).splitlines() == [
        "coordinate 1200 in element is outside 0..999 (the model's grid) (column 31)",
        '  do(action="Tap", element=[500, 1200])',
        "  " + " " * 31 + "^",
    ]


def test_the_caret_counts_wide_characters_twice() -> None:
    with pytest.raises(ActionParseError) as info:
        parse_action('do(action="Launch", app="微信", x=1)')
    caret = str(info.value).splitlines()[-1]
    assert info.value.column == 30
    # 28 narrow characters and 2 wide ones before the culprit: 32 terminal cells.
    assert caret == "  " + " " * 32 + "^"


def test_a_multi_line_text_shows_the_line_with_the_culprit() -> None:
    text = 'do(action="Note", message="first\nsecond")\n</answer>'
    with pytest.raises(ActionParseError) as info:
        parse_action(text)
    assert info.value.column == text.index("</answer>")
    assert str(info.value).splitlines()[1:] == ["  </answer>", "  ^"]
    assert "line 3" in str(info.value)


# Spellings other than the canonical one that the parser accepts, with what they mean.
ACCEPTED = [
    (
        "spaces-everywhere",
        'do ( action = "Tap" , element = [ 500 , 120 ] )',
        Tap(element=(500, 120)),
    ),
    ("no-spaces", 'do(action="Swipe",start=[1,2],end=[3,4])', Swipe(start=(1, 2), end=(3, 4))),
    (
        "surrounding-whitespace",
        '\n  do(action="Long Press", element=[0, 0])  \n',
        LongPress(element=(0, 0)),
    ),
    (
        "argument-order",
        'do(action="Tap", message="确认", element=[1, 2])',
        Tap(element=(1, 2), message="确认"),
    ),
    ("raw-newline-in-string", 'do(action="Note", message="a\nb\tc")', Note(message="a\nb\tc")),
    (
        "escapes",
        r'do(action="Note", message="q\"b\\n\n\x41\u4e2d\U0001F600\'")',
        Note(message="q\"b\\n\nA中😀'"),
    ),
    ("type-is-raw", r'do(action="Type", text="C:\data \"x\"")', Type(text=r"C:\data \"x\"")),
    ("type-compact-comma", 'do(action="Type",text="x")', Type(text="x")),
    ("type-with-quote-paren", 'do(action="Type", text="a")b")', Type(text='a")b')),
    ("finish-raw", 'finish(message="line1\nline2 \\n")', Finish(message="line1\nline2 \\n")),
    ("launch-unicode", 'do(action="Launch", app="高德地图")', Launch(app="高德地图")),
]


@pytest.mark.parametrize(
    ("text", "action"), [a[1:] for a in ACCEPTED], ids=[a[0] for a in ACCEPTED]
)
def test_accepts_variants_the_real_agent_reads_the_same_way(text: str, action: object) -> None:
    assert parse_action(text) == action
    # "Strict" means: whatever it accepts, phone_agent executes as the same action.
    assert phone_agent_parse_action(text) == agent_action_dict(action)  # type: ignore[arg-type]
