"""vLLM 0.32.0's message union: which member accepts a message, and the errors when none does.

vLLM validates each message against a union of eight members (OpenAI's message types,
its own custom message, Harmony's ``Message``); when none matches, pydantic lists every
member's errors in field order. Measured for the corpus' cases (not an object, role
missing, content null or of a wrong type); the members' errors past the tenth line,
which vLLM does not show, are counted as measured but their texts are not modelled.
"""

from __future__ import annotations

from typing import Any

from pytest_autoglm.server._profiles._pydantic import item

_PREFIX = "ChatCompletion"
#: (member, role literal or None for any string, content rule, required extra fields)
#: content rules: "text" str or iterable, required; "optional" str, iterable or None;
#: "optional_str" str or None
_MEMBERS: tuple[tuple[str, str | None, str, tuple[str, ...]], ...] = (
    (f"{_PREFIX}DeveloperMessageParam", "developer", "text", ()),
    (f"{_PREFIX}SystemMessageParam", "system", "text", ()),
    (f"{_PREFIX}UserMessageParam", "user", "text", ()),
    (f"{_PREFIX}AssistantMessageParam", "assistant", "optional", ()),
    (f"{_PREFIX}ToolMessageParam", "tool", "text", ("tool_call_id",)),
    (f"{_PREFIX}FunctionMessageParam", "function", "optional_str", ("name",)),
    (f"Custom{_PREFIX}MessageParam", None, "text", ()),
)


def _content_errors(loc: str, rule: str, message: dict[str, Any]) -> list[dict[str, Any]]:
    if "content" not in message:
        return []  # not required in any member (vLLM renders a missing content as empty)
    content = message["content"]
    if isinstance(content, str) or (content is None and rule != "text"):
        return []
    if isinstance(content, list) and rule != "optional_str":
        return []
    errors = [item("string_type", f"{loc}.content", "Input should be a valid string", content)]
    if rule != "optional_str":
        errors.append(item("iterable_type", f"{loc}.content", "Input should be iterable", content))
    return errors


def _member_errors(index: int, member: str, role: str | None, rule: str, *,
                   extra: tuple[str, ...], message: dict[str, Any]) -> list[dict[str, Any]]:  # fmt: skip
    loc = f"body.messages.{index}.{member}"
    content = _content_errors(loc, rule, message)
    assistant = member.endswith("AssistantMessageParam")  # its TypedDict lists role first
    errors = [] if assistant else content
    fields: list[str] = (
        ["role", *extra] if member.endswith("ToolMessageParam") else [*extra, "role"]
    )
    for name in fields:
        if name != "role":
            if name not in message:
                errors.append(item("missing", f"{loc}.{name}", "Field required", message))
            continue
        if "role" not in message:
            errors.append(item("missing", f"{loc}.role", "Field required", message))
        elif role is not None and message["role"] != role:
            errors.append(item("literal_error", f"{loc}.role", f"Input should be '{role}'",
                               message["role"], {"expected": f"'{role}'"}))  # fmt: skip
    return errors + content if assistant else errors


def message_errors(index: int, message: Any) -> list[dict[str, Any]]:
    """The errors of one message, or ``[]`` when a member accepts it."""
    if not isinstance(message, dict):
        errors = [item("dict_type", f"body.messages.{index}.{member}",
                       "Input should be a valid dictionary", message)
                  for member, *_ in _MEMBERS]  # fmt: skip
        errors.append(item("model_attributes_type", f"body.messages.{index}.Message",
                           "Input should be a valid dictionary or object to extract fields from",
                           message))  # fmt: skip
        return errors
    collected: list[dict[str, Any]] = []
    for member, role, rule, extra in _MEMBERS:
        errors = _member_errors(index, member, role, rule, extra=extra, message=message)
        if not errors:
            return []
        collected += errors
    # Harmony's Message: needs an author; its second error is past what vLLM shows
    collected.append(
        item("missing", f"body.messages.{index}.Message.author", "Field required", message)
    )
    collected.append(
        item("missing", f"body.messages.{index}.Message.content", "Field required", message)
    )
    return collected
