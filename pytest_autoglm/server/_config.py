"""``ServerConfig``: everything that shapes the fake server, with Open-AutoGLM's defaults.

The ``autoglm_server`` marker takes the same keyword arguments (nearest marker wins);
``--autoglm-server-*`` options give session-wide defaults for a few of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pytest_autoglm.server._errors import FLAVOURS, ServerConfigError
from pytest_autoglm.server._tokens import TokenEstimate

if TYPE_CHECKING:
    from pytest_autoglm.server._profiles import Profile

TRANSPORTS = ("respx", "http")
#: Open-AutoGLM's default; with ``transport="http"`` it means "a free loopback port"
DEFAULT_BASE_URL = "http://localhost:8000/v1"
#: ``api_key=`` value meaning "the key of the ``autoglm_api_key`` fixture" (the fixture resolves it)
KEY_FROM_FIXTURE = "autoglm_api_key"


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    """How the fake server answers. Every field is also a keyword of ``@pytest.mark.autoglm_server``.

    ``base_url``/``model``/``api_key`` default to Open-AutoGLM's (``http://localhost:8000/v1``,
    ``autoglm-phone-9b``, ``EMPTY``). ``api_key=None`` or ``"EMPTY"`` means no key is checked,
    as vLLM without ``--api-key``; any other value makes requests without
    ``Authorization: Bearer <key>`` fail with 401. ``transport`` is ``respx`` (in-process,
    intercepts httpx and httpx2 clients) or ``http`` (a real server on 127.0.0.1: a free
    port, ``base_url`` then becomes ``http://127.0.0.1:<port>/v1``; a loopback ``base_url``
    of your own is served at exactly its port, ``:0`` meaning a free one).

    While the fake runs, in-process httpx/httpx2 requests to any other host are refused
    (:class:`BlockedRequestError`); ``allow_hosts`` lets hosts through: ``"api.example.com"``,
    ``"api.example.com:443"``, ``"[::1]:9000"``, or ``"*"`` for all.
    """

    base_url: str = DEFAULT_BASE_URL
    model: str = "autoglm-phone-9b"
    api_key: str | None = "EMPTY"
    transport: str = "respx"
    flavour: str = "vllm"
    max_model_len: int = 25480
    max_images: int = 10
    #: image formats accepted in ``data:`` URLs (phone_agent always sends PNG)
    image_formats: tuple[str, ...] = ("png",)
    #: validate requests like the real server (False: answer anything scripted)
    validate: bool = True
    #: fail the test at teardown on unmatched requests and unused scripted replies
    strict: bool = True
    #: seed of the stream chunking (token-sized pieces)
    seed: int = 0
    #: mean characters per streamed chunk (a token is 1 to 2 CJK characters or ~4 ASCII)
    chunk_chars: float = 3.0
    #: export PHONE_AGENT_BASE_URL / _MODEL / _API_KEY while the fixture is active
    export_env: bool = True
    #: the server release imitated, as ``GET /version`` answers it; picks the profile (texts,
    #: validation): the nearest known release at or below it. ``None``: the flavour's
    #: default (vLLM ``0.12.0``, from source; ``0.32.0`` is verified against a real server)
    version: str | None = None
    #: keep each request body whole in ``server.calls``; by default a ``data:`` image is
    #: kept as its format, size and hash (a 1080x2400 screenshot is ~1.2 MB, its record ~60 B)
    keep_bodies: bool = False
    #: the most call records kept (the oldest are dropped; ``server.calls.dropped`` counts
    #: them); ``None``: keep every one
    max_calls: int | None = 10_000
    #: as vLLM's ``--reasoning-parser`` (e.g. ``"glm45"``): the ``<think>`` part of a reply
    #: goes to ``reasoning_content``, where phone_agent never reads it (a misdeployment)
    reasoning_parser: str | None = None
    tokens: TokenEstimate = field(default_factory=TokenEstimate)
    #: hosts in-process clients may reach besides the fake (``"*"``: all)
    allow_hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._check_types()
        for name in ("transport", "flavour"):  # any case, as on the command line
            object.__setattr__(self, name, getattr(self, name).strip().lower())
        if self.transport not in TRANSPORTS:
            raise ServerConfigError(
                f"transport={self.transport!r} is not known; accepted: {', '.join(TRANSPORTS)}"
            )
        if self.flavour not in FLAVOURS:
            raise ServerConfigError(
                f"flavour={self.flavour!r} is not known; accepted: {', '.join(FLAVOURS)}"
            )
        from pytest_autoglm.server._profiles import ProfileError, default_version, profile_for

        if self.version is None:
            object.__setattr__(self, "version", default_version(self.flavour))
        try:
            profile_for(self.flavour, self.version)
        except ProfileError as exc:
            raise ServerConfigError(str(exc)) from None
        self._check_base_url()
        if self.max_calls is not None and self.max_calls < 1:
            raise ServerConfigError(
                f"max_calls={self.max_calls!r} must be a positive integer, or None to keep every call"
            )
        for name in ("max_model_len", "max_images"):
            value = getattr(self, name)
            if value < 1:
                raise ServerConfigError(f"{name}={value!r} must be a positive integer")
        if not 0 < self.chunk_chars < 1e6:  # NaN and inf fail too
            raise ServerConfigError(
                f"chunk_chars={self.chunk_chars!r} must be a number > 0 and below 1e6 "
                "(the mean characters per streamed chunk; a token is about 3)"
            )
        if self.seed < 0:
            raise ServerConfigError(f"seed={self.seed!r} must be a whole number >= 0")
        if not self.model:
            raise ServerConfigError("model='' is empty; give the served model name")

    def _check_base_url(self) -> None:
        try:
            parts = urlsplit(self.base_url)
            port = parts.port
        except ValueError as exc:  # a port out of range or not a number
            raise ServerConfigError(
                f"base_url={self.base_url!r}: {exc}; write it like 'http://localhost:8000/v1'"
            ) from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ServerConfigError(
                f"base_url={self.base_url!r} is not an http(s) URL with a host; "
                "write it like 'http://localhost:8000/v1'"
            )
        if self.transport == "http" and self.base_url != DEFAULT_BASE_URL:
            from pytest_autoglm.server._hosts import LOOPBACK

            if parts.scheme != "http" or parts.hostname.encode() not in LOOPBACK:
                raise ServerConfigError(
                    f"base_url={self.base_url!r} cannot be served by transport='http', which "
                    "listens on this machine's loopback over plain http: use a loopback URL "
                    "('http://127.0.0.1:0/v1' for a free port), or transport='respx', which "
                    "answers at any URL in-process"
                )
        if port == 0 and self.transport != "http":
            raise ServerConfigError(
                f"base_url={self.base_url!r}: port 0 (a free port) only means something with "
                "transport='http'; give a port, or none for the scheme's default"
            )

    def _check_types(self) -> None:
        """Each field has its type, so a bad marker argument is named here, not deep inside."""
        expected: dict[str, tuple[tuple[type, ...], str]] = {
            "base_url": ((str,), "a str"), "model": ((str,), "a str"),
            "api_key": ((str, type(None)), "a str or None"), "transport": ((str,), "a str"),
            "flavour": ((str,), "a str"), "version": ((str, type(None)), "a str or None"),
            "reasoning_parser": ((str, type(None)), "a str or None"),
            "max_model_len": ((int,), "a positive integer"),
            "max_images": ((int,), "a positive integer"), "seed": ((int,), "a whole number >= 0"),
            "chunk_chars": ((int, float), "a number > 0"),
            "validate": ((bool,), "True or False"), "strict": ((bool,), "True or False"),
            "export_env": ((bool,), "True or False"),
            "keep_bodies": ((bool,), "True or False"),
            "max_calls": ((int, type(None)), "a positive integer or None"),
            "tokens": ((TokenEstimate,), "a pytest_autoglm.TokenEstimate"),
        }  # fmt: skip
        for name, (types, wanted) in expected.items():
            value = getattr(self, name)
            if (bool not in types and isinstance(value, bool)) or not isinstance(value, types):
                raise ServerConfigError(f"{name}={value!r} must be {wanted}")
        from pytest_autoglm.server._hosts import parse_allow_hosts

        object.__setattr__(self, "allow_hosts", parse_allow_hosts(self.allow_hosts))
        formats: object = self.image_formats
        if isinstance(formats, list):
            object.__setattr__(self, "image_formats", formats := tuple(formats))
        if not isinstance(formats, tuple) or not all(isinstance(f, str) for f in formats):
            raise ServerConfigError(
                f"image_formats={formats!r} must be a tuple of format names, e.g. ('png', 'jpeg')"
            )

    @property
    def profile(self) -> Profile:
        """The behaviour of the server imitated: flavour and nearest known version."""
        from pytest_autoglm.server._profiles import profile_for

        return profile_for(self.flavour, self.version)

    @property
    def key_required(self) -> bool:
        """Whether requests must carry ``Authorization: Bearer <api_key>``."""
        return self.api_key not in (None, "", "EMPTY")

    @property
    def api_prefix(self) -> str:
        """The path of ``base_url`` without a trailing slash (``/v1``)."""
        return urlsplit(self.base_url).path.rstrip("/")

    def with_(self, **changes: Any) -> ServerConfig:
        """A copy with ``changes`` applied (validated again)."""
        return replace(self, **changes)
