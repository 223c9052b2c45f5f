"""Realistic error answers for ``server.fail(status)``: the bodies and headers real services send.

PROTOCOL.md section 2. vLLM and SGLang have no rate limiter of their own (a gateway in
front answers 429); their 429/503 texts are *(inferred)* and follow the flavour's shape.
"""

from __future__ import annotations

from http import HTTPStatus

from pytest_autoglm.server._errors import ApiError

BIGMODEL_CODES: dict[str, tuple[int, str]] = {
    "1302": (429, "您当前使用该API的并发数过高，请降低并发，或联系客服增加限额。"),
    "1303": (429, "您当前使用该 API 的频率过高，请降低频率，或联系客服增加限额"),
    "1305": (429, "该模型当前访问量过大，请您稍后再试"),
    "1113": (429, "您的账户已欠费，请充值后重试"),
    "1261": (400, "Prompt exceeds max length"),
    "1211": (400, "模型不存在，请检查模型代码。"),
    "1000": (401, "身份验证失败。"),
}

_OPENAI_429 = (
    "Rate limit reached for {model} in organization org-fake on requests per min (RPM): "
    "Limit 3, Used 3, Requested 1. Please try again in 20s. Visit "
    "https://platform.openai.com/account/rate-limits to learn more."
)


def default_error(status: int, flavour: str, model: str, code: str | None = None,
                  message: str | None = None) -> ApiError:  # fmt: skip
    """The body a ``flavour`` server sends with ``status`` (``code`` picks a BigModel code)."""
    if flavour == "bigmodel":
        if code is None:
            code = {429: "1302", 400: "1210", 401: "1000", 404: "1211"}.get(status, str(status))
        text = message or BIGMODEL_CODES.get(code, (status, "系统繁忙，请稍后再试"))[1]
        return ApiError(status=status, message=text, code=code, flavour=flavour)
    if flavour == "openai":
        if status == 429:
            text = message or _OPENAI_429.format(model=model)
            return ApiError(status=429, message=text, type="requests",
                            code=code or "rate_limit_exceeded", flavour=flavour)  # fmt: skip
        if status == 503:
            return ApiError(status=503, message=message or "The server is overloaded or not ready yet.",
                            type="server_error", code=code or "server_is_overloaded", flavour=flavour)  # fmt: skip
        if status >= 500:
            return ApiError(status=status, type="server_error", code=code, flavour=flavour, message=message
                            or "The server had an error while processing your request. Sorry about that!")  # fmt: skip
        return ApiError(status=status, message=message or _phrase(status), type="invalid_request_error",
                        code=code, flavour=flavour)  # fmt: skip
    # vllm / sglang
    if status == 503:
        text, kind = (
            message or "The model is still loading; try again later.",
            "ServiceUnavailableError",
        )
    elif status == 429:
        text, kind = (
            message or "Too many requests; the server is at its concurrency limit.",
            "RateLimitError",
        )
    elif status >= 500:
        text = message or ("Internal server error: EngineCore encountered an issue."
                           if flavour == "sglang" else "EngineCore encountered an issue.")  # fmt: skip
        kind = "InternalServerError" if flavour == "sglang" else "Internal Server Error"
    else:
        text, kind = message or _phrase(status), "BadRequestError"
    return ApiError(status=status, message=text, type=kind, code=code, flavour=flavour)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def retry_headers(
    retry_after: float | str | None, retry_after_ms: float | None
) -> tuple[tuple[str, str], ...]:
    out = []
    if retry_after is not None:
        value = retry_after if isinstance(retry_after, str) else (
            str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after))  # fmt: skip
        out.append(("retry-after", value))
    if retry_after_ms is not None:
        out.append(("retry-after-ms", str(retry_after_ms)))
    return tuple(out)
