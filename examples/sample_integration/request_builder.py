"""Build the chat request of one agent step, the way Open-AutoGLM does."""

from __future__ import annotations

import base64
import json
from typing import Any

SYSTEM_PROMPT = (
    "The current date: 2025-12-12, Friday\n# Setup\nYou are a professional Android operation "
    "agent assistant. Reply as <think>{think}</think>\n<answer>{action}</answer>."
)


def screen_info(current_app: str) -> str:
    return json.dumps({"current_app": current_app}, ensure_ascii=False)


def user_message(text: str, screenshot_png: bytes) -> dict[str, Any]:
    url = "data:image/png;base64," + base64.b64encode(screenshot_png).decode()
    return {"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": url}},
        {"type": "text", "text": text},
    ]}  # fmt: skip


def first_step(task: str, screenshot_png: bytes, current_app: str) -> list[dict[str, Any]]:
    """Messages of step 1: the system prompt, then the task with the screen."""
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        user_message(f"{task}\n\n{screen_info(current_app)}", screenshot_png),
    ]


def next_step(history: list[dict[str, Any]], reply: str, screenshot_png: bytes,
              current_app: str) -> list[dict[str, Any]]:  # fmt: skip
    """Drop the previous screenshot, add the model's reply and the new screen."""
    trimmed = [_without_images(m) for m in history]
    return [
        *trimmed,
        {"role": "assistant", "content": reply},
        user_message(f"** Screen Info **\n\n{screen_info(current_app)}", screenshot_png),
    ]


def _without_images(message: dict[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    if isinstance(content, list):
        return {**message, "content": [p for p in content if p.get("type") == "text"]}
    return message


def request_kwargs(
    model: str, messages: list[dict[str, Any]], *, stream: bool = True
) -> dict[str, Any]:
    """Keyword arguments for ``client.chat.completions.create`` (Open-AutoGLM's sampling)."""
    return {"model": model, "messages": messages, "max_tokens": 3000, "temperature": 0.0,
            "top_p": 0.85, "frequency_penalty": 0.2, "stream": stream}  # fmt: skip
