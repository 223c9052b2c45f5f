"""What a cassette stores of a request, and what replay compares: the request, normalised.

* An image ``data:`` URL becomes ``{"sha256", "width", "height", "bytes"}``; the image itself
  is kept once per cassette folder (``images/<sha256>.<format>``).
* The date line Open-AutoGLM puts at the top of its system prompts (``今天的日期是: ...`` /
  ``The current date: ...``, computed at import) becomes ``<date>``, so a cassette recorded
  yesterday matches today's requests.
* Every registered secret becomes ``***`` (the redaction runs over the JSON text, so its
  escaped spellings go too).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from pytest_autoglm.server._images import ImageError, decode_data_url, image_format

DATE_PLACEHOLDER = "<date>"
_DATE_LINE = re.compile(r"^(今天的日期是: ?|The current date: ?)[^\n]*$", re.MULTILINE)
_FORMATS = ("png", "jpeg", "webp", "gif")

#: images seen while normalising: sha256 -> (format, bytes), for the cassette's folder
ImageSink = dict[str, tuple[str, bytes]]


def image_ref(url: str, sink: ImageSink | None = None) -> dict[str, Any] | str:
    """``{"sha256", "width", "height", "bytes"}`` for a ``data:`` image URL (else ``url``)."""
    head, sep, payload = url.partition(",")
    if not sep or not head.startswith("data:") or not head.endswith(";base64"):
        return url
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return url
    fmt = image_format(data)
    if fmt is None:
        return url
    try:
        _, width, height = decode_data_url(url, _FORMATS)
    except ImageError:
        width = height = 0  # a format whose size the kit cannot read: the digest still matches
    digest = hashlib.sha256(data).hexdigest()
    if sink is not None:
        sink.setdefault(digest, (fmt, data))
    return {"sha256": digest, "width": width, "height": height, "bytes": len(data)}


def _walk(value: Any, sink: ImageSink | None) -> Any:
    if isinstance(value, str):
        return _DATE_LINE.sub(lambda m: m.group(1) + DATE_PLACEHOLDER, value)
    if isinstance(value, list):
        return [_walk(item, sink) for item in value]
    if isinstance(value, dict):
        out = {key: _walk(item, sink) for key, item in value.items()}
        image = value.get("image_url")
        if value.get("type") == "image_url" and isinstance(image, dict):
            url = image.get("url")
            if isinstance(url, str):
                out["image_url"] = {**image, "url": image_ref(url, sink)}
        return out
    return value


def normalise_request(
    method: str,
    path: str,
    body: bytes,
    redact: Callable[[str], str] | None = None,
    sink: ImageSink | None = None,
) -> dict[str, Any]:
    """The request as a cassette stores it: ``{"method", "path", "json"|"text"}``."""
    record: dict[str, Any] = {"method": method, "path": path}
    if body:
        try:
            record["json"] = _walk(json.loads(body), sink)
        except ValueError:
            record["text"] = body.decode("utf-8", "replace")
    clean: dict[str, Any] = redacted(record, redact)
    return clean


def redacted(value: Any, redact: Callable[[str], str] | None) -> Any:
    """``value`` with every registered secret replaced, in any of its JSON spellings."""
    if redact is None:
        return value
    text = json.dumps(value, ensure_ascii=False)
    clean = redact(text)
    return value if clean == text else json.loads(clean)
