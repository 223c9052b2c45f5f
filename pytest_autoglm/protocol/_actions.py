"""One frozen value type per AutoGLM action, validated on construction.

Coordinates are the model's 0..999 grid, (0, 0) top-left (the zh prompt says (999, 999)
is bottom-right); ``tap_pixels`` converts them the way phone_agent does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from pytest_autoglm.protocol._errors import ProtocolError

Point = tuple[int, int]
"""``(x, y)`` on the model's 0..999 grid, ``(0, 0)`` top-left."""

COORDINATE_MAX = 999

#: How an argument's value is written: a ``[x, y]`` point, a Python-like escaped string
#: (read by phone_agent through ``ast.literal_eval``), or a raw string copied verbatim up
#: to the final ``")`` (phone_agent slices Type text and finish messages, never unescapes).
ArgKind = Literal["point", "text", "raw"]


@dataclass(frozen=True)
class ArgSpec:
    """One keyword argument of an action as the model writes it."""

    name: str
    kind: ArgKind
    required: bool = True


class _Validated:
    """Checks every field against the action's :data:`ARG_SPECS` entry."""

    def __post_init__(self) -> None:
        cls = type(self)
        for spec in ARG_SPECS[cls]:  # type: ignore[index]  # every subclass is an Action
            value = getattr(self, spec.name)
            if value is None and not spec.required:
                continue
            fixed = _checked(cls.__name__, spec, value)
            if fixed is not value:
                object.__setattr__(self, spec.name, fixed)


def _checked(owner: str, spec: ArgSpec, value: object) -> object:
    where = f"{owner}.{spec.name}"
    if spec.kind == "point":
        return check_point(value, where)
    if not isinstance(value, str):
        raise ProtocolError(f"{where} must be a str; got {value!r} ({type(value).__name__})")
    for index, ch in enumerate(value):
        # A lone surrogate cannot be sent as UTF-8, so no model reply can hold it.
        if "\ud800" <= ch <= "\udfff":
            raise ProtocolError(
                f"{where} holds a lone surrogate U+{ord(ch):04X} at index {index}; "
                "texts must be encodable as UTF-8"
            )
    return value


def check_point(value: object, where: str = "point") -> Point:
    """``value`` as a ``(x, y)`` tuple of ints in 0..999, or a ProtocolError naming ``where``."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ProtocolError(f"{where} must be two integers [x, y] in 0..999; got {value!r}")
    for axis, v in zip("xy", value, strict=True):
        if isinstance(v, bool) or not isinstance(v, int):
            raise ProtocolError(
                f"{where} {axis} must be an int in 0..999; got {v!r} ({type(v).__name__})"
            )
        if not 0 <= v <= COORDINATE_MAX:
            raise ProtocolError(
                f"{where} {axis} must be in 0..999 (the model's grid); got {v}. "
                "Convert pixels with x * 1000 // width."
            )
    if isinstance(value, tuple):
        return value
    return (value[0], value[1])


@dataclass(frozen=True)
class Launch(_Validated):
    """``do(action="Launch", app="微信")``: start an app by its display name."""

    app: str


@dataclass(frozen=True)
class Tap(_Validated):
    """``do(action="Tap", element=[x, y])``; with ``message`` the agent asks for confirmation."""

    element: Point
    message: str | None = None


@dataclass(frozen=True)
class Type(_Validated):
    """``do(action="Type", text="...")``: type into the focused field."""

    text: str


@dataclass(frozen=True)
class TypeName(_Validated):
    """``do(action="Type_Name", text="...")``: phone_agent handles it as Type."""

    text: str


@dataclass(frozen=True)
class Interact(_Validated):
    """``do(action="Interact")``: the model asks the user to choose."""


@dataclass(frozen=True)
class Swipe(_Validated):
    """``do(action="Swipe", start=[x1, y1], end=[x2, y2])``."""

    start: Point
    end: Point


@dataclass(frozen=True)
class Note(_Validated):
    """``do(action="Note", message="True")``: record page content (a no-op in phone_agent)."""

    message: str


@dataclass(frozen=True)
class CallAPI(_Validated):
    """``do(action="Call_API", instruction="...")``: summarise (a no-op in phone_agent)."""

    instruction: str


@dataclass(frozen=True)
class LongPress(_Validated):
    """``do(action="Long Press", element=[x, y])``."""

    element: Point


@dataclass(frozen=True)
class DoubleTap(_Validated):
    """``do(action="Double Tap", element=[x, y])``."""

    element: Point


@dataclass(frozen=True)
class TakeOver(_Validated):
    """``do(action="Take_over", message="...")``: hand control to the user (login, captcha)."""

    message: str


@dataclass(frozen=True)
class Back(_Validated):
    """``do(action="Back")``: the system back key."""


@dataclass(frozen=True)
class Home(_Validated):
    """``do(action="Home")``: the system home key."""


@dataclass(frozen=True)
class Wait(_Validated):
    """``do(action="Wait", duration="2 seconds")``; ``duration`` is kept as the model wrote it."""

    duration: str

    @property
    def seconds(self) -> float:
        """How long phone_agent sleeps: ``float(duration.replace("seconds", ""))``, else 1.0."""
        try:
            return float(self.duration.replace("seconds", ""))
        except ValueError:
            return 1.0


@dataclass(frozen=True)
class Finish(_Validated):
    """``finish(message="...")``: the task is done; ``message`` is the agent's result."""

    message: str

    def __post_init__(self) -> None:
        super().__post_init__()
        at = self.message.find("finish(message=")
        if at != -1:
            # phone_agent reads a finish by deleting every 'finish(message=' from it.
            raise ProtocolError(
                f"Finish.message contains 'finish(message=' at index {at}; phone_agent "
                "deletes that from the text, so no reply can carry this message"
            )


Action: TypeAlias = (
    Launch | Tap | Type | TypeName | Interact | Swipe | Note | CallAPI
    | LongPress | DoubleTap | TakeOver | Back | Home | Wait | Finish
)  # fmt: skip
"""Any AutoGLM action value."""

ACTION_TYPES: tuple[type[Action], ...] = (
    Launch, Tap, Type, TypeName, Interact, Swipe, Note, CallAPI,
    LongPress, DoubleTap, TakeOver, Back, Home, Wait, Finish,
)  # fmt: skip

#: action type -> the name the model writes in ``do(action="...")`` (``finish`` for Finish)
ACTION_NAMES: dict[type[Action], str] = {
    Launch: "Launch",
    Tap: "Tap",
    Type: "Type",
    TypeName: "Type_Name",
    Interact: "Interact",
    Swipe: "Swipe",
    Note: "Note",
    CallAPI: "Call_API",
    LongPress: "Long Press",
    DoubleTap: "Double Tap",
    TakeOver: "Take_over",
    Back: "Back",
    Home: "Home",
    Wait: "Wait",
    Finish: "finish",
}

#: the model's ``do(action=...)`` name -> action type (Finish is ``finish(...)``, not a do)
DO_TYPES: dict[str, type[Action]] = {
    name: cls for cls, name in ACTION_NAMES.items() if cls is not Finish
}

_P: ArgKind = "point"
_T: ArgKind = "text"
_R: ArgKind = "raw"
#: the arguments of each action, in the order the model writes them
ARG_SPECS: dict[type[Action], tuple[ArgSpec, ...]] = {
    Launch: (ArgSpec("app", _T),),
    Tap: (ArgSpec("element", _P), ArgSpec("message", _T, required=False)),
    Type: (ArgSpec("text", _R),),
    TypeName: (ArgSpec("text", _R),),
    Interact: (),
    Swipe: (ArgSpec("start", _P), ArgSpec("end", _P)),
    Note: (ArgSpec("message", _T),),
    CallAPI: (ArgSpec("instruction", _T),),
    LongPress: (ArgSpec("element", _P),),
    DoubleTap: (ArgSpec("element", _P),),
    TakeOver: (ArgSpec("message", _T),),
    Back: (),
    Home: (),
    Wait: (ArgSpec("duration", _T),),
    Finish: (ArgSpec("message", _R),),
}
