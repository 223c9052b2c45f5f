"""Chat-request validation of vLLM 0.32.0 (measured), in its order, with its texts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_autoglm.server._errors import ApiError

if TYPE_CHECKING:
    from pytest_autoglm.server._config import ServerConfig
    from pytest_autoglm.server._profiles._base import Profile
    from pytest_autoglm.server._validate import ChatFacts


def check_chat(profile: Profile, body: object, config: ServerConfig) -> ApiError | ChatFacts:
    from pytest_autoglm.server._validate import check_chat_request

    return check_chat_request(body, config=config, profile=profile)
