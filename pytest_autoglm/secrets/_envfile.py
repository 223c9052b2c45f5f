"""Loading ``.env`` files into the environment, with malformed lines reported as ``file:line``.

Parsing is python-dotenv's own (``dotenv.parser``), so values mean what they mean to
``load_dotenv``; what this module adds is the error report (python-dotenv only logs
"could not parse statement starting at line N"), several files merged in order, the
no-override rule, and a record of what changed so the environment can be restored.
python-dotenv is imported only when a file is actually loaded.
"""

from __future__ import annotations

import fnmatch
import io
import os
import re
import stat
from collections import ChainMap
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

#: Variables from env files whose names match one of these (any case) are secrets.
SECRET_NAME_PATTERNS: tuple[str, ...] = ("*KEY*", "*TOKEN*", "*SECRET*", "*PASSWORD*")

#: An env file holds a few variables; past these it is refused at once, with the reason,
#: rather than parsed for seconds (python-dotenv's parser does about 30k lines a second).
MAX_ENV_FILE_BYTES = 1024 * 1024
MAX_ENV_FILE_LINES = 10_000

_NAME_OR_PATTERN = re.compile(r"[A-Za-z0-9_.*?\[\]!-]+")


class EnvFileError(ValueError):
    """An env file that cannot be read or parsed; the message names ``file:line`` and the fix.

    The plugin turns it into a ``pytest.UsageError`` that also names the option it came from.
    """


@dataclass(frozen=True)
class MalformedLine:
    path: Path
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class EnvLoad:
    """What loading the env files did: which variables were set, kept, and their old values."""

    files: tuple[Path, ...] = ()
    values: dict[str, str] = field(default_factory=dict)  # merged file values, later files win
    applied: dict[str, str] = field(default_factory=dict)  # what was written to the environment
    kept: tuple[str, ...] = ()  # already set, left alone (no --autoglm-env-override)
    previous: dict[str, str | None] = field(default_factory=dict)  # for restore()

    def restore(self, environ: MutableMapping[str, str]) -> None:
        """Undo what was applied, except where something else changed a variable since."""
        for name, value in self.applied.items():
            if environ.get(name) != value:
                continue
            old = self.previous.get(name)
            if old is None:
                del environ[name]
            else:
                environ[name] = old


def parse_secret_names(text: str) -> tuple[str, ...]:
    """Names or glob patterns, separated by ``os.pathsep``, commas or whitespace."""
    names = tuple(n for n in re.split(rf"[\s,{re.escape(os.pathsep)}]+", text) if n)
    for name in names:
        if not _NAME_OR_PATTERN.fullmatch(name):
            raise ValueError(f"{name!r} is not a variable name or glob pattern")
    return names


def looks_secret(name: str, extra: Iterable[str] = ()) -> bool:
    """Whether a variable's value is a secret by its name (``OPENAI_API_KEY``: yes)."""
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, p.upper()) for p in (*SECRET_NAME_PATTERNS, *extra))


def _closing_quote(text: str, quote: str) -> int:
    """Index of the unescaped closing ``quote`` in ``text`` (after the opening one), or -1."""
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i
        i += 1
    return -1


def malformed_reason(line: str) -> str:
    """Why python-dotenv rejected ``line``, without a single token of it.

    The line may be a pasted key (``sk-... see the docs``), so even what looks like the
    variable name is not echoed: the file and the line number point at it.
    """
    text = re.sub(r"^\s*(export\s+)?", "", line.rstrip("\r\n"))
    if text.startswith("="):
        return "no variable name before '=' (write NAME=value)"
    if text.startswith("'") and "'" not in text[1:]:
        return "unterminated quoted variable name (add the closing ')"
    match = re.match(r"('[^']*'|[^=#\s]+)\s*", text)
    if match is None:
        return "expected NAME=value"
    rest = text[match.end() :]
    if not rest.startswith("="):
        return "expected '=' after the variable name (write NAME=value; names have no spaces)"
    value = rest[1:].lstrip()
    if value[:1] in ("'", '"'):
        quote = value[0]
        end = _closing_quote(value, quote)
        if end < 0:
            return f"unterminated {quote}-quoted value (add the closing {quote})"
        return (
            f"unexpected text after the closing {quote} "
            "(put comments after ' #', or quote the whole value)"
        )
    return "expected NAME=value"


def check_env_text(text: str, path: Path) -> None:
    """Refuse what python-dotenv would be slow on or pass on to a raw ``ValueError``."""
    lines = text.count("\n") + 1
    if lines > MAX_ENV_FILE_LINES:
        raise EnvFileError(
            f"env file {path} has {lines} lines (at most {MAX_ENV_FILE_LINES}); "
            "an env file holds variables, not data: check the path"
        )
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise EnvFileError(
            f"env file {path}:{line}: a NUL byte (\\0), which no environment variable can "
            "hold; remove it (was the file saved as UTF-16? save it as UTF-8)"
        )


def parse_env_text(
    text: str, path: Path
) -> tuple[list[tuple[str, str | None]], list[MalformedLine]]:
    """Bindings in file order and the malformed lines, by python-dotenv's grammar."""
    from dotenv.parser import parse_stream

    bindings: list[tuple[str, str | None]] = []
    errors: list[MalformedLine] = []
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            line = binding.original.string.split("\n", 1)[0]
            errors.append(MalformedLine(path, binding.original.line, malformed_reason(line)))
        elif binding.key is not None:
            bindings.append((binding.key, binding.value))
    return bindings, errors


def _interpolate(value: str, lookup: Mapping[str, str | None]) -> str:
    """``${NAME}`` and ``${NAME:-default}``, as python-dotenv expands them."""
    from dotenv.variables import parse_variables

    return "".join(atom.resolve(lookup) for atom in parse_variables(value))


def read_env_files(
    paths: Iterable[Path], environ: Mapping[str, str], *, override: bool
) -> dict[str, str]:
    """Merged values of ``paths`` (later files win), expanded; raises :class:`EnvFileError`.

    ``${NAME}`` sees the value ``NAME`` will have: the environment's when it is already set
    and not overridden, else the files'.
    """
    merged: dict[str, str] = {}
    env = dict(environ)
    # One view for every ${...}, no copy per value: a file of many of them stays linear.
    view = ChainMap(merged, env) if override else ChainMap(env, merged)
    errors: list[MalformedLine] = []
    for path in paths:
        try:
            info = path.stat()
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError
            if not stat.S_ISREG(info.st_mode):  # a fifo or a device would block the read
                raise EnvFileError(f"env file {path} is not a regular file; name a file")
            size = info.st_size
            if size > MAX_ENV_FILE_BYTES:
                raise EnvFileError(
                    f"env file {path} is {size} bytes (at most {MAX_ENV_FILE_BYTES} are read); "
                    "an env file holds variables, not data: check the path"
                )
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise EnvFileError(f"env file not found: {path}") from None
        except IsADirectoryError:
            raise EnvFileError(f"env file is a directory: {path}") from None
        except UnicodeDecodeError as exc:
            line = exc.object[: exc.start].count(b"\n") + 1
            raise EnvFileError(
                f"env file {path}:{line}: not UTF-8 (byte {exc.start}); save it as UTF-8"
            ) from None
        except OSError as exc:
            raise EnvFileError(f"cannot read env file {path}: {exc.strerror}") from None
        check_env_text(text, path)
        bindings, file_errors = parse_env_text(text, path)
        errors.extend(file_errors)
        for name, raw in bindings:
            if raw is None:  # a bare NAME line declares nothing, as in python-dotenv
                continue
            if "${" not in raw:
                merged[name] = raw
                continue
            merged[name] = _interpolate(raw, view)
    if errors:
        lines = "\n".join(f"  {error}" for error in errors)
        raise EnvFileError(f"malformed env file line(s); fix them or quote the values:\n{lines}")
    return merged


def load_env_files(
    paths: Iterable[Path], environ: MutableMapping[str, str], *, override: bool
) -> EnvLoad:
    """Read ``paths`` and set their variables in ``environ``, keeping ones already set
    unless ``override``. The returned :class:`EnvLoad` can undo it."""
    files = tuple(paths)
    values = read_env_files(files, environ, override=override)
    load = EnvLoad(files=files, values=values)
    kept = []
    for name, value in values.items():
        if name in environ and not override:
            kept.append(name)
            continue
        load.previous[name] = environ.get(name)
        environ[name] = value
        load.applied[name] = value
    load.kept = tuple(kept)
    return load
