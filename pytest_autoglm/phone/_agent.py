"""The whole loop: an agent (Open-AutoGLM's own ``PhoneAgent`` by default) against the fake
model server and the fake phone, returning a :class:`Transcript`.

phone_agent is driven through its public ``step()`` API, exactly as its ``run()`` loops
(first step with the task, then until finished or ``max_steps``), so every step can be
recorded; nothing in it is patched. Its ``input()`` callbacks (Take_over, a sensitive
Tap) get answers from ``confirm=``/``takeover=``, or stop the run and fail the test;
``builtins.input`` is replaced while the agent runs, so an agent of your own that calls
``input()`` fails the test the same way instead of hanging or raising EOFError.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pytest_autoglm.phone._transcript import Step, Transcript

if TYPE_CHECKING:
    from pytest_autoglm.phone._phone import FakePhone

Answer = bool | Callable[[str], bool] | None


class InputRequested(BaseException):
    """The agent asked a person for input during a test. A BaseException, so that
    phone_agent's ``except Exception`` around actions cannot swallow it."""

    def __init__(self, prompt: str) -> None:
        super().__init__(prompt)
        self.prompt = prompt


def _refuse_input(prompt: object = "") -> str:
    raise InputRequested(str(prompt))


class AgentRunner:
    """``autoglm_agent``: runs an agent against ``server`` and ``phone``; see :meth:`run`."""

    def __init__(self, server: Any, phone: FakePhone) -> None:
        self.server = server
        self.phone = phone
        self.transcripts: list[Transcript] = []
        from pytest_autoglm import _rounds

        _rounds.track(self)  # a leak check's later rounds start with round 1's transcripts

    def save_round(self) -> object:
        return len(self.transcripts)

    def restore_round(self, state: Any) -> None:
        del self.transcripts[state:]

    def __repr__(self) -> str:
        return f"<AgentRunner {self.server.base_url} + {self.phone!r}>"

    def phone_agent(
        self,
        *,
        max_steps: int = 20,
        lang: str = "cn",
        device_id: str | None = None,
        confirm: Answer = None,
        takeover: Callable[[str], None] | None = None,
        verbose: bool = False,
        **model: Any,
    ) -> Any:
        """Open-AutoGLM's ``PhoneAgent``, configured for the fake server (``model`` keywords go
        to its ``ModelConfig``)."""
        from phone_agent import PhoneAgent  # type: ignore[import-untyped,unused-ignore]
        from phone_agent.agent import AgentConfig  # type: ignore[import-untyped,unused-ignore]
        from phone_agent.model import ModelConfig  # type: ignore[import-untyped,unused-ignore]

        config = ModelConfig(
            base_url=self.server.base_url,
            model_name=self.server.model,
            api_key=self.server.api_key,
            **model,
        )
        return PhoneAgent(
            model_config=config,
            agent_config=AgentConfig(
                max_steps=max_steps, device_id=device_id, lang=lang, verbose=verbose
            ),
            confirmation_callback=_confirmer(confirm),
            takeover_callback=takeover or _takeover_refused,
        )

    def run(self, task: str, agent: Any = None, **options: Any) -> Transcript:
        """Run ``task`` and return its transcript.

        ``agent`` is ``None`` (a fresh ``PhoneAgent`` from :meth:`phone_agent`, ``options``
        going to it), a ``PhoneAgent`` you built, or any object with ``run(task)`` / any
        callable ``agent(task)`` of your own. If the agent asks for input with no answer
        set, the run stops (``stopped == "input_requested"``) and the test fails.
        """
        if agent is None:
            agent = self.phone_agent(**options)
        elif options:
            raise TypeError(
                f"run(...): {', '.join(options)} only apply when the runner builds the agent"
            )
        transcript = Transcript(task)
        self.transcripts.append(transcript)
        saved_input = builtins.input
        builtins.input = _refuse_input
        try:
            if _is_phone_agent(agent):
                self._run_phone_agent(agent, task, transcript)
            else:
                self._run_other(agent, task, transcript)
        finally:
            builtins.input = saved_input
        if transcript.stopped == "input_requested":
            import pytest

            pytest.fail(
                f"the agent asked for input at step {len(transcript.steps)}: "
                f"{transcript.input_prompt!r}\nAnswer it with autoglm_agent.run(..., confirm=True|False|"
                "callable, takeover=callable), or script the model so it does not ask.\n"
                f"{transcript}",
                pytrace=False,
            )
        return transcript

    # -- phone_agent's PhoneAgent, step by step ---------------------------------------

    def _run_phone_agent(self, agent: Any, task: str, transcript: Transcript) -> None:
        max_steps = agent.agent_config.max_steps
        first = True
        while True:
            step = self._begin(len(transcript.steps) + 1)
            transcript.steps.append(step)
            calls_before, commands_before = len(self.server.calls), len(self.phone.commands)
            try:
                result = agent.step(task) if first else agent.step()
            except InputRequested as exc:
                transcript.stopped, transcript.input_prompt = "input_requested", exc.prompt
                self._end(step, calls_before, commands_before)
                return
            except Exception as exc:
                transcript.stopped, transcript.error = "device_error", exc
                self._end(step, calls_before, commands_before)
                return
            first = False
            self._end(step, calls_before, commands_before)
            self._read_step(agent, step, result)
            if result.finished:
                transcript.result = result.message or "Task completed"
                transcript.stopped = _why_finished(step)
                return
            if agent.step_count >= max_steps:
                transcript.result, transcript.stopped = "Max steps reached", "max_steps"
                return

    def _begin(self, index: int) -> Step:
        screen = self.phone.current
        return Step(index=index, screen=screen.name, app=screen.package)

    def _end(self, step: Step, calls_before: int, commands_before: int) -> None:
        step.calls = list(self.server.calls)[calls_before:]
        step.commands = self.phone.commands[commands_before:]
        shots = [c for c in step.commands if "screencap" in c.argv or "screenshot" in c.argv]
        if shots:  # what the phone showed when the agent looked
            step.screen = shots[0].screen

    def _read_step(self, agent: Any, step: Step, result: Any) -> None:
        step.success, step.finished, step.message = result.success, result.finished, result.message
        step.action = result.action
        context = agent.context
        if step.action is None or not context or context[-1].get("role") != "assistant":
            return  # a model error: no reply, no action
        step.reply = context[-1]["content"]
        # phone_agent appends f"<think>{thinking}</think><answer>{action}</answer>"
        reply = step.reply or ""
        action_text = reply.rpartition("<answer>")[2]
        step.action_text = action_text.removesuffix("</answer>")
        from phone_agent.actions.handler import parse_action  # type: ignore[import-untyped,unused-ignore]

        try:
            parse_action(step.action_text)
        except ValueError as exc:
            step.parse_fallback, step.parse_error = True, str(exc) or "ValueError"
        except Exception as exc:
            step.parse_error = f"{type(exc).__name__}: {exc}"

    # -- any other agent: steps are the chat calls ------------------------------------

    def _run_other(self, agent: Any, task: str, transcript: Transcript) -> None:
        calls_before, commands_before = len(self.server.calls), len(self.phone.commands)
        start_screen = self.phone.current
        runner = getattr(agent, "run", agent)
        try:
            transcript.result = runner(task)
        except InputRequested as exc:
            transcript.stopped, transcript.input_prompt = "input_requested", exc.prompt
        except Exception as exc:
            transcript.stopped, transcript.error = "device_error", exc
        calls = [c for c in list(self.server.calls)[calls_before:] if c.is_chat]
        commands = self.phone.commands[commands_before:]
        # step k: from the screenshot before chat call k to the screenshot before call k+1
        shots = [
            i for i, c in enumerate(commands) if "screencap" in c.argv or "screenshot" in c.argv
        ]
        for index, call in enumerate(calls):
            step = Step(index + 1, start_screen.name, start_screen.package, calls=[call])
            start = shots[index] if index < len(shots) else len(commands)
            end = shots[index + 1] if index + 1 < len(shots) else len(commands)
            step.commands = commands[start:end]
            if step.commands:
                step.screen = step.commands[0].screen
            transcript.steps.append(step)
        if transcript.stopped == "finished" and transcript.result is not None:
            if str(transcript.result).startswith("Model error:"):
                transcript.stopped = "model_error"
            elif transcript.result == "Max steps reached":
                transcript.stopped = "max_steps"


def _is_phone_agent(agent: Any) -> bool:
    return all(hasattr(agent, name) for name in ("step", "agent_config", "context", "step_count"))


def _why_finished(step: Step) -> str:
    if step.action is None:
        return "model_error"
    if step.parse_fallback:
        return "parse_fallback"
    if step.message == "User cancelled sensitive operation":
        return "cancelled"
    return "finished"


def _confirmer(answer: Answer) -> Callable[[str], bool]:
    if answer is None:

        def refuse(message: str) -> bool:
            raise InputRequested(f"Sensitive operation: {message}\nConfirm? (Y/N): ")

        return refuse
    if isinstance(answer, bool):
        return lambda message: answer
    return answer


def _takeover_refused(message: str) -> None:
    raise InputRequested(f"{message}\nPress Enter after completing manual operation...")
