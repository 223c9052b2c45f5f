"""The fake server's token estimate: text tokens by character class, image tokens by the 28-px grid.

The real server counts with the model's tokenizer and image processor; the fake has
neither, so it estimates, and the estimate is configurable (:class:`TokenEstimate`).

* **Text**: ``ceil(ascii_chars / chars_per_token) + other_chars * tokens_per_other_char``
  per message text, plus ``per_message`` tokens of chat-template overhead for every
  message. ASCII runs at about 4 characters a token in GLM's tokenizer; CJK characters
  at about one token each.
* **Images**: GLM-4.1V (like Qwen2-VL) resizes an image so both sides are multiples of
  ``grid`` (28 px: a 14-px patch merged 2x2), keeping the area within ``max_pixels``
  (5,000,000, Open-AutoGLM's ``--mm_processor_kwargs``) and above ``min_pixels``; each
  28x28 cell is one token. A 1080x2400 screenshot is 39 x 86 = 3354 tokens.
* vLLM runs its text-length checks *before* it expands images, when an image counts as
  ``image_placeholder`` tokens (about 1); the decoder-prompt check runs after, with the
  full image tokens. :func:`count_prompt` returns both figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class TokenEstimate:
    """How the fake server counts prompt tokens; pass one as ``ServerConfig(tokens=...)``."""

    chars_per_token: float = 4.0
    tokens_per_other_char: float = 1.0
    per_message: int = 4
    #: tokens the chat template adds once per prompt (BOS, generation prompt)
    per_prompt: int = 0
    image_placeholder: int = 1
    grid: int = 28
    max_pixels: int = 5_000_000
    min_pixels: int = 3136
    #: size assumed for an image whose dimensions cannot be read (a remote URL)
    default_image_size: tuple[int, int] = (1080, 2400)

    def text_tokens(self, text: str) -> int:
        """Estimated tokens of one text: ASCII by ``chars_per_token``, other characters each."""
        ascii_chars = len(text) if text.isascii() else len(text.encode("ascii", "ignore"))
        other = len(text) - ascii_chars
        return math.ceil(ascii_chars / self.chars_per_token) + math.ceil(
            other * self.tokens_per_other_char
        )

    def resized(self, width: int, height: int) -> tuple[int, int]:
        """The (width, height) the image processor resizes to: multiples of ``grid``, area bounded."""
        g = self.grid
        h_bar = max(g, round(height / g) * g)
        w_bar = max(g, round(width / g) * g)
        if h_bar * w_bar > self.max_pixels:
            beta = math.sqrt(height * width / self.max_pixels)
            h_bar = max(g, math.floor(height / beta / g) * g)
            w_bar = max(g, math.floor(width / beta / g) * g)
        elif h_bar * w_bar < self.min_pixels:
            beta = math.sqrt(self.min_pixels / (height * width))
            h_bar = math.ceil(height * beta / g) * g
            w_bar = math.ceil(width * beta / g) * g
        return w_bar, h_bar

    def image_tokens(self, width: int, height: int) -> int:
        """Vision tokens of one image: one per ``grid`` x ``grid`` cell after resizing."""
        w_bar, h_bar = self.resized(width, height)
        return (w_bar // self.grid) * (h_bar // self.grid)


@dataclass(frozen=True)
class PromptCount:
    """Token figures of one request: ``text`` (images as placeholders) and ``full`` (expanded)."""

    text: int
    full: int
    images: int


def count_prompt(
    texts: list[str], image_sizes: list[tuple[int, int]], messages: int, estimate: TokenEstimate
) -> PromptCount:
    """Count a prompt made of ``texts``, images of ``image_sizes`` and ``messages`` messages."""
    text = sum(estimate.text_tokens(t) for t in texts) + messages * estimate.per_message
    text += estimate.per_prompt
    placeholders = len(image_sizes) * estimate.image_placeholder
    expanded = sum(estimate.image_tokens(w, h) for w, h in image_sizes)
    return PromptCount(text=text + placeholders, full=text + expanded, images=len(image_sizes))
