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

from typing import TYPE_CHECKING

from pytest_autoglm._lazy import lazy_exports
from pytest_autoglm.strategies._profile import register_ci_profile

#: public name -> private module that defines it (loaded on first access)
_EXPORTS: dict[str, str] = {
    "actions": "_actions",
    "assert_parser_agrees": "_properties",
    "assert_truncation_keeps": "_properties",
    "chat_requests": "_requests",
    "context_lengths": "_text",
    "conversations": "_chat",
    "invalid_images": "_images",
    "messages": "_chat",
    "model_outputs": "_outputs",
    "prompts": "_text",
    "screenshots": "_images",
    "timestamps": "_text",
}
#: the public API: the export table's names (a test checks the imports below match)
__all__ = list(_EXPORTS)

if TYPE_CHECKING:
    from pytest_autoglm.strategies._actions import actions as actions
    from pytest_autoglm.strategies._chat import conversations as conversations
    from pytest_autoglm.strategies._chat import messages as messages
    from pytest_autoglm.strategies._images import invalid_images as invalid_images
    from pytest_autoglm.strategies._images import screenshots as screenshots
    from pytest_autoglm.strategies._outputs import model_outputs as model_outputs
    from pytest_autoglm.strategies._properties import assert_parser_agrees as assert_parser_agrees
    from pytest_autoglm.strategies._properties import (
        assert_truncation_keeps as assert_truncation_keeps,
    )
    from pytest_autoglm.strategies._requests import chat_requests as chat_requests
    from pytest_autoglm.strategies._text import context_lengths as context_lengths
    from pytest_autoglm.strategies._text import prompts as prompts
    from pytest_autoglm.strategies._text import timestamps as timestamps

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

register_ci_profile()
