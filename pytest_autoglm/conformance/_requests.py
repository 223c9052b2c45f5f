"""The requests phone_agent sends (PROTOCOL.md section 1), with screenshots of given sizes."""

from __future__ import annotations

import base64
from typing import Any

from pytest_autoglm._png import encode_png

SYSTEM_PROMPT = (
    "The current date: 2025-12-12, Friday\n# Setup\nYou are a professional Android operation "
    "agent assistant that can fulfill the user's high-level instructions. Given a screenshot "
    "of the Android interface at each step, you first analyze the situation, then plan the "
    "best course of action.\nYour response format must be structured as follows:\n"
    "<think>{think}</think>\n<answer>{action}</answer>\n"
    'For example: do(action="Tap", element=[x,y]), do(action="Launch", app="xxx"), '
    'finish(message="xxx"). Coordinates run from (0,0) at the top left to (999,999).'
)
#: phone_agent's sampling values (ModelConfig defaults)
SAMPLING: dict[str, Any] = {"temperature": 0.0, "top_p": 0.85, "frequency_penalty": 0.2}


def screenshot_url(width: int, height: int) -> str:
    """A real PNG of ``width`` x ``height`` (a status bar on a plain screen) as a data URL."""
    png = encode_png(width, height, (245, 245, 245), (30, 30, 30), max(1, height // 30))
    return "data:image/png;base64," + base64.b64encode(png).decode()


def image_part(width: int, height: int) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": screenshot_url(width, height)}}


def step(model: str, *, images: list[tuple[int, int]] | None = None, task: str = "Open Settings",
         max_tokens: int = 64, stream: bool = False) -> dict[str, Any]:  # fmt: skip
    """Step 1 of a task: the system prompt, then the screenshot(s) and the task text."""
    text = {"type": "text", "text": f'{task}\n\n{{"current_app": "System Home"}}'}
    content: list[dict[str, Any]] = [image_part(w, h) for w, h in images or []] + [text]
    body: dict[str, Any] = {
        "model": model, "max_tokens": max_tokens, "stream": stream, **SAMPLING,
        "messages": [{"role": "system", "content": SYSTEM_PROMPT},
                     {"role": "user", "content": content}],
    }  # fmt: skip
    if stream:
        body["stream_options"] = {"include_usage": True}
    return body


def ping(model: str) -> dict[str, Any]:
    """main.py's pre-flight check: "Hi", 5 tokens, temperature 0."""
    return {"model": model, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 5,
            "temperature": 0.0}  # fmt: skip
