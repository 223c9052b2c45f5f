"""sha256 pins: one digest, a mapping of file name to digest, or a ``sha256sum`` manifest.

Digests are cached by (path, size, mtime_ns) in a mapping the caller owns (the session
cache), so a 20 GB checkpoint is hashed once per session, not once per test.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from pytest_autoglm.models._errors import ChecksumMismatch, ModelPathError, ModelUsageError
from pytest_autoglm.models._formats import CheckpointInfo

Pins = str | Mapping[str, str]
DigestCache = MutableMapping[tuple[str, int, int], str]
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
_MANIFEST_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")


def sha256_of(path: Path, cache: DigestCache | None = None) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if cache is not None and key in cache:
        return cache[key]
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    result = digest.hexdigest()
    if cache is not None:
        cache[key] = result
    return result


def read_manifest(manifest: Path) -> dict[str, str]:
    """``sha256sum`` output (``<hex>  <name>`` per line) as name -> digest."""
    if not manifest.is_file():
        raise ModelPathError(
            f"sha256 manifest not found: {manifest}\n"
            "  fix: point manifest= at the file (it resolves like the model path), or write "
            "one with `sha256sum <files> > SHA256SUMS`"
        )
    pins: dict[str, str] = {}
    for number, line in enumerate(manifest.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _MANIFEST_LINE.match(line.strip())
        if match is None:
            raise ModelUsageError(
                f"{manifest}:{number}: expected '<64 hex digits>  <file name>' (sha256sum "
                f"output), found {line!r}"
            )
        pins[os.path.normpath(match.group(2))] = match.group(1).lower()
    return pins


def verify(
    info: CheckpointInfo,
    sha256: Pins | None = None,
    manifest: Path | None = None,
    cache: DigestCache | None = None,
) -> None:
    """Check every pinned file (weights and any other file the pins or manifest list).

    Raises ChecksumMismatch naming the file, the expected and the found digest, or a
    pinned file that is missing.
    """
    base = info.path if info.path.is_dir() else info.path.parent
    expected: dict[Path, tuple[str, str]] = {}  # file -> (digest, where it was pinned)
    if manifest is not None:
        for name, digest in read_manifest(manifest).items():
            expected[(manifest.parent / name).resolve()] = (digest, str(manifest))
    if isinstance(sha256, str):
        if len(info.files) != 1:
            raise ModelUsageError(
                f"one sha256 given for {info.path}, which has {len(info.files)} weight files; "
                "pin each with sha256={'file name': 'digest', ...} or a manifest"
            )
        expected[info.files[0].resolve()] = (_checked_hex(sha256), "sha256 argument")
    elif sha256 is not None:
        for name, digest in sha256.items():
            expected[(base / name).resolve()] = (_checked_hex(digest), "sha256 argument")
    if manifest is not None:
        unlisted = [f.name for f in info.files if f.resolve() not in expected]
        if unlisted:
            raise ChecksumMismatch(
                f"{manifest} has no sha256 for {', '.join(unlisted)} of {info.path}; add a line "
                f"'<digest>  <name>' for each (sha256sum {' '.join(unlisted)})"
            )
    # the weights first, then every other pinned file: config.json, tokenizer_config.json,
    # chat_template.jinja change the model's output format as surely as the weights do
    weights = [f.resolve() for f in info.files]
    others = sorted(set(expected) - set(weights))
    for file in [*weights, *others]:
        pin = expected.get(file)
        if pin is None:
            continue
        if not file.is_file():
            raise ChecksumMismatch(
                f"{file} is pinned (in {pin[1]}) but missing\n  fix: restore the file, or drop "
                "its line if the model no longer has it"
            )
        found = sha256_of(file, cache)
        if found != pin[0]:
            raise ChecksumMismatch(
                f"sha256 mismatch for {file}\n  expected: {pin[0]} (from {pin[1]})\n"
                f"  found:    {found}\n  fix: the file changed or the download is damaged; "
                "fetch it again, or update the pin if the new file is the one you want"
            )


def manifest_path(
    given: str | os.PathLike[str], model: Path, root: str | os.PathLike[str] | None
) -> Path:
    """Where a ``manifest=`` lives: a relative name in the model folder first, else under ``root``."""
    from pytest_autoglm.models._paths import resolve_model_path

    path = Path(os.path.expanduser(os.fspath(given)))
    if not path.is_absolute():
        folder = model if model.is_dir() else model.parent
        if (folder / path).exists():
            return Path(os.path.normpath(folder / path))
    return resolve_model_path(given, root)


def _checked_hex(digest: str) -> str:
    if not isinstance(digest, str) or not _HEX.match(digest):
        raise ModelUsageError(f"invalid sha256 pin {digest!r}: expected 64 hex digits")
    return digest.lower()
