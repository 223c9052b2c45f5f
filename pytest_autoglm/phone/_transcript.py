"""What an agent run did, step by step, and the checks on it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pytest_autoglm.phone._records import Command, cut

#: Why a run stopped.
STOP_REASONS = (
    "finished",  # the model said finish(...)
    "parse_fallback",  # phone_agent could not parse the reply and turned it into finish(...)
    "model_error",  # the model call failed: run() returns "Model error: ..."
    "max_steps",  # the step budget ran out: "Max steps reached"
    "device_error",  # the device layer raised (an empty dumpsys window, a decode error, ...)
    "input_requested",  # the agent asked a person (Take_over, a sensitive Tap) and no answer was set
    "cancelled",  # a sensitive Tap was refused by the confirm= answer
)


@dataclass
class Step:
    """One step: the request and reply, the action the agent executed, the phone commands.

    ``screen`` and ``app`` are what the phone showed when the step's screenshot was taken.
    ``parse_fallback`` is true when phone_agent's parser failed and it executed
    ``finish(message=<raw text>)`` instead (``parse_error`` then holds its message).
    """

    index: int
    screen: str
    app: str
    calls: list[Any] = field(default_factory=list)
    reply: str | None = None
    action: dict[str, Any] | None = None
    action_text: str | None = None
    parse_fallback: bool = False
    parse_error: str | None = None
    commands: list[Command] = field(default_factory=list)
    success: bool | None = None
    finished: bool = False
    message: str | None = None

    @property
    def request(self) -> Any:
        """The JSON body of the step's last chat request (``None`` if none was sent)."""
        chats = [c for c in self.calls if c.is_chat]
        return chats[-1].json if chats else None

    def action_summary(self) -> str:
        if self.action is None:
            return "-"
        shown = {k: v for k, v in self.action.items() if k != "_metadata"}
        name = shown.pop("action", self.action.get("_metadata", "?"))
        args = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in shown.items())
        return f"{name}({args})"


@dataclass
class Transcript:
    """The run of one task: its steps, the result string and why it stopped."""

    task: str
    steps: list[Step] = field(default_factory=list)
    result: str | None = None
    stopped: str = "finished"
    error: BaseException | None = None
    input_prompt: str | None = None

    @property
    def actions(self) -> list[dict[str, Any] | None]:
        return [s.action for s in self.steps]

    def __str__(self) -> str:
        lines = [f"task {self.task!r}: {len(self.steps)} step(s), stopped: {self.stopped}"]
        if self.result is not None:
            lines[0] += f", result {self.result!r}"
        for step in self.steps:
            mark = "  (parse fallback)" if step.parse_fallback else ""
            lines.append(f"  {step.index:>2}. [{step.screen}] {step.action_summary()}{mark}")
            for command in step.commands:
                if command.code:
                    said = (command.stderr or command.stdout).strip().splitlines()
                    if said and said[0].startswith("Exception occurred") and len(said) > 1:
                        said = said[1:]  # the exception itself, not the shell's preamble
                    why = f": {said[0]}" if said else ""
                    lines.append(f"      phone refused {command.line} (exit {command.code}){why}")
        if self.error is not None:
            lines.append(f"  error: {type(self.error).__name__}: {self.error}")
        return "\n".join(lines)

    def assert_stopped(self, reason: str) -> None:
        """Fail unless the run stopped for ``reason`` (one of :data:`STOP_REASONS`)."""
        __tracebackhide__ = True
        if reason not in STOP_REASONS:
            raise ValueError(
                f"assert_stopped({reason!r}): expected one of {', '.join(STOP_REASONS)}"
            )
        if self.stopped != reason:
            raise AssertionError(
                f"expected the run to stop with {reason!r}, it stopped with {self.stopped!r}\n{self}"
            )

    def assert_no_loop(self, k: int = 3) -> None:
        """Fail if the same action ran ``k`` times in a row on an unchanged screen."""
        __tracebackhide__ = True
        if k < 2:
            raise ValueError(f"assert_no_loop(k={k!r}): k must be >= 2")
        run: list[Step] = []
        for step in self.steps:
            if step.action is None:
                run = []
                continue
            if run and (step.action, step.screen) == (run[-1].action, run[-1].screen):
                run.append(step)
            else:
                run = [step]
            if len(run) >= k:
                steps = ", ".join(str(s.index) for s in run)
                raise AssertionError(
                    f"the agent looped: {run[0].action_summary()} on screen {step.screen!r} "
                    f"{len(run)} times in a row (steps {steps}), the screen never changed\n{self}"
                )

    def assert_not_parse_fallback(self) -> None:
        """Fail if a reply could not be parsed and phone_agent silently ran ``finish`` instead."""
        __tracebackhide__ = True
        fallen = [s for s in self.steps if s.parse_fallback]
        if fallen:
            lines = [f"step {s.index}: {s.action_text!r}: {s.parse_error}" for s in fallen]
            raise AssertionError(
                f"{len(fallen)} reply(ies) could not be parsed; phone_agent ran finish(message=<raw "
                f"text>) instead and reported success:\n{cut(lines)}\n{self}"
            )
