"""The containers capability's option (the plugin registers it; ``containers/`` reads it)."""

from __future__ import annotations

from typing import Any

from pytest_autoglm._options import Option, flag_option

REQUIRE_DOCKER: Option[bool] = flag_option(
    name="require-docker",
    help="Fail, instead of skip, tests that need a container engine when none answers "
    "(for CI runners that are meant to have one).",
)
OPTIONS: tuple[Option[Any], ...] = (REQUIRE_DOCKER,)
