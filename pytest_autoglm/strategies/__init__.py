"""Hypothesis strategies for fuzzing Open-AutoGLM integrations.

Shaped like ``hypothesis.strategies``: plural nouns, keyword-only options, each returns a
``SearchStrategy`` and checks its arguments when called (``InvalidArgument`` naming the
culprit). Import it under its own name beside hypothesis's::

    from hypothesis import given, strategies as st
    from pytest_autoglm import strategies as gst

    @given(gst.model_outputs(well_formed=False))
    def test_parser_never_crashes(text): ...

Importing this module imports hypothesis and registers the ``autoglm-ci`` settings profile.
"""

from __future__ import annotations

from pytest_autoglm.strategies._actions import actions
from pytest_autoglm.strategies._chat import conversations, messages
from pytest_autoglm.strategies._images import invalid_images, screenshots
from pytest_autoglm.strategies._outputs import model_outputs
from pytest_autoglm.strategies._profile import register_ci_profile
from pytest_autoglm.strategies._properties import assert_parser_agrees, assert_truncation_keeps
from pytest_autoglm.strategies._requests import chat_requests
from pytest_autoglm.strategies._text import context_lengths, prompts, timestamps

__all__ = [
    "actions",
    "assert_parser_agrees",
    "assert_truncation_keeps",
    "chat_requests",
    "context_lengths",
    "conversations",
    "invalid_images",
    "messages",
    "model_outputs",
    "prompts",
    "screenshots",
    "timestamps",
]

register_ci_profile()
