"""phone_agent's own lenient parser, reproduced quirk for quirk (PROTOCOL.md section 1)."""

from __future__ import annotations

import pytest

from pytest_autoglm.protocol import phone_agent_parse_action


def test_type_name_is_normalised_to_type() -> None:
    assert phone_agent_parse_action('do(action="Type_Name", text="张三")') == {
        "_metadata": "do",
        "action": "Type",
        "text": "张三",
    }


def test_type_text_is_sliced_never_unescaped() -> None:
    parsed = phone_agent_parse_action(r'do(action="Type", text="a\"b\n")')
    assert parsed["text"] == r"a\"b\n"


def test_type_text_is_everything_after_the_first_text_equals() -> None:
    parsed = phone_agent_parse_action('do(action="Type", text="x", extra="y")')
    assert parsed["text"] == 'x", extra="y'


def test_type_without_text_fails() -> None:
    with pytest.raises(ValueError, match="Failed to parse action: list index out of range"):
        phone_agent_parse_action('do(action="Type")')


def test_type_with_spaces_goes_through_ast_and_is_not_normalised() -> None:
    parsed = phone_agent_parse_action(r'do(action = "Type_Name", text="a\tb")')
    assert parsed == {"_metadata": "do", "action": "Type_Name", "text": "a\tb"}


def test_trailing_answer_tag_breaks_do_with_invalid_syntax() -> None:
    with pytest.raises(
        ValueError, match=r"^Failed to parse action: Failed to parse do\(\) action: invalid syntax"
    ):
        phone_agent_parse_action('do(action="Tap", element=[500, 120])</answer>')


def test_trailing_answer_tag_corrupts_type_and_finish() -> None:
    assert (
        phone_agent_parse_action('do(action="Type", text="hi")</answer>')["text"] == 'hi")</answe'
    )
    assert phone_agent_parse_action('finish(message="ok")</answer>')["message"] == 'ok")</answe'


def test_finish_deletes_every_marker_and_slices() -> None:
    parsed = phone_agent_parse_action('finish(message="see finish(message=x")')
    assert parsed == {"_metadata": "finish", "message": "see x"}


def test_finish_keeps_escapes_verbatim() -> None:
    assert phone_agent_parse_action(r'finish(message="a\"b")')["message"] == r"a\"b"


def test_raw_newlines_tabs_and_crs_are_escaped_before_ast() -> None:
    parsed = phone_agent_parse_action('do(action="Note", message="a\nb\tc\rd")')
    assert parsed["message"] == "a\nb\tc\rd"


def test_a_newline_between_tokens_is_a_syntax_error() -> None:
    with pytest.raises(
        ValueError,
        match="Failed to parse do\\(\\) action: unexpected character after line continuation",
    ):
        phone_agent_parse_action('do(action="Tap",\nelement=[1, 2])')


def test_function_name_is_not_checked_and_positionals_are_ignored() -> None:
    parsed = phone_agent_parse_action('dont("x", action="Back", element=[1, 2])')
    assert parsed == {"_metadata": "do", "action": "Back", "element": [1, 2]}


def test_unknown_escapes_pass_without_a_warning() -> None:
    # Python warns about "\d"; our suite turns warnings into errors, the agent just reads it.
    assert (
        phone_agent_parse_action(r'do(action="Note", message="C:\data")')["message"] == "C:\\data"
    )


def test_do_that_is_not_a_call_fails() -> None:
    with pytest.raises(
        ValueError, match="Failed to parse do\\(\\) action: Expected a function call"
    ):
        phone_agent_parse_action("do")


def test_non_literal_argument_fails() -> None:
    with pytest.raises(ValueError, match="Failed to parse do\\(\\) action: malformed node"):
        phone_agent_parse_action('do(action="Tap", element=[x, 1])')


@pytest.mark.parametrize("text", ["", "   ", "点击搜索", "Tap(500, 120)", "<answer>do"])
def test_anything_else_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"^Failed to parse action: "):
        phone_agent_parse_action(text)


def test_surrounding_whitespace_is_stripped() -> None:
    assert phone_agent_parse_action('\n do(action="Home") \n') == {
        "_metadata": "do",
        "action": "Home",
    }
