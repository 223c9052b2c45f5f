"""BigModel / z.ai (hosted): ``{"error": {"code": "<business code>", "message": ...}}``.

From BigModel's public docs and issue threads (``PROTOCOL.md`` section 2); one profile
for every version.
"""

from __future__ import annotations

from pytest_autoglm.server._errors import ApiError
from pytest_autoglm.server._profiles._base import Profile

CODES: dict[str, tuple[int, str]] = {
    "1302": (429, "您当前使用该API的并发数过高，请降低并发，或联系客服增加限额。"),
    "1303": (429, "您当前使用该 API 的频率过高，请降低频率，或联系客服增加限额"),
    "1305": (429, "该模型当前访问量过大，请您稍后再试"),
    "1113": (429, "您的账户已欠费，请充值后重试"),
    "1261": (400, "Prompt exceeds max length"),
    "1211": (400, "模型不存在，请检查模型代码。"),
    "1000": (401, "身份验证失败。"),
}


class BigModel(Profile):
    flavour = "bigmodel"
    version = "v4"
    source = "from docs"

    def biz(self, status: int, code: str, message: str) -> ApiError:
        return ApiError(status=status, message=message, code=code, flavour=self.flavour)

    def unauthorized(self) -> ApiError:
        return self.biz(401, "1000", CODES["1000"][1])  # (inferred) text of code 1000

    def unknown_model(self, model: str) -> ApiError | None:
        return self.biz(400, "1211", CODES["1211"][1])

    def schema(self, message: str) -> ApiError:
        return self.biz(400, "1214", message)

    def sampling(self, message: str) -> ApiError:
        return self.biz(400, "1210", message)

    def bad_image(self, message: str) -> ApiError:
        return self.biz(400, "1210", message)

    def too_many_images(self, limit: int) -> ApiError:
        return self.biz(400, "1210", f"At most {limit} image(s) may be provided in one prompt.")

    def prompt_too_long(self, tokens: int, limit: int) -> ApiError:
        return self.biz(400, "1261", CODES["1261"][1])

    def max_tokens_too_large(self, tokens: int, max_tokens: int, limit: int) -> ApiError | None:
        return None  # hosted: generation is cut at the limit instead  (inferred)

    def decoder_prompt_too_long(self, tokens: int, limit: int) -> ApiError:
        return self.prompt_too_long(tokens, limit)

    def fault(self, status: int, model: str, code: str | None = None,
              message: str | None = None) -> ApiError:  # fmt: skip
        if code is None:
            code = {429: "1302", 400: "1210", 401: "1000", 404: "1211"}.get(status, str(status))
        text = message or CODES.get(code, (status, "系统繁忙，请稍后再试"))[1]
        return ApiError(status=status, message=text, code=code, flavour=self.flavour)
