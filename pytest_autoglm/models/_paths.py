"""Where a model path points: ``~`` expanded, relative paths joined to a root, near misses named.

The plugin passes the pytest rootdir as the root, so ``--autoglm-model-path
models/x.safetensors`` means the same file whichever directory pytest was started from.
"""

from __future__ import annotations

import difflib
import errno
import os
import stat
from pathlib import Path

from pytest_autoglm._reasons import cut_list
from pytest_autoglm.models._errors import ModelPathError


def resolve_model_path(given: str | os.PathLike[str], root: str | os.PathLike[str] | None) -> Path:
    """The absolute path for ``given``: ``~`` expanded, relative paths joined to ``root``.

    ``root=None`` means the current directory (plain Python semantics, for direct calls);
    the fixtures always pass the rootdir.
    """
    path = Path(os.path.expanduser(os.fspath(given)))
    if not path.is_absolute():
        path = Path(root if root is not None else os.getcwd()) / path
    return Path(os.path.normpath(path))


#: Where a model path is usually set, for the "fix:" line when the caller does not say.
DEFAULT_SOURCE = "--autoglm-model-path or AUTOGLM_MODEL_PATH"


def existing_model_path(
    given: str | os.PathLike[str],
    root: str | os.PathLike[str] | None,
    *,
    source: str = DEFAULT_SOURCE,
) -> Path:
    """:func:`resolve_model_path`, then check it exists and can be read, or raise ModelPathError.

    ``source`` names where the path was set (``--autoglm-model-path``, the marker's
    ``path=``...), so the message's fix points at the setting to change.
    """
    resolved = resolve_model_path(given, root)
    try:
        mode = os.stat(resolved).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ModelPathError(
                f"model path is a symbolic link loop: {os.fspath(given)!r}\n"
                f"  resolved to: {resolved}\n"
                f"  fix: point the link at the weights ({source}), e.g. ln -sfn TARGET {resolved}"
            ) from None
        raise ModelPathError(not_found_message(given, resolved, root, source=source)) from None
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        # Reading a fifo blocks until a writer appears: refuse before anything opens it.
        raise ModelPathError(
            f"model path is a {_file_kind(mode)}, not a file or directory: {os.fspath(given)!r}\n"
            f"  resolved to: {resolved}\n"
            f"  fix: pass the weights file or the model folder ({source})"
        )
    if not os.access(resolved, os.R_OK | (os.X_OK if resolved.is_dir() else 0)):
        raise ModelPathError(
            f"model path is not readable: {os.fspath(given)!r}\n"
            f"  resolved to: {resolved}\n"
            f"  fix: give the user running pytest read permission (chmod +r), or copy the weights"
        )
    return resolved


def _file_kind(mode: int) -> str:
    kinds = {
        stat.S_ISFIFO: "named pipe (fifo)",
        stat.S_ISSOCK: "socket",
        stat.S_ISCHR: "character device",
        stat.S_ISBLK: "block device",
    }
    return next((name for test, name in kinds.items() if test(mode)), "special file")


def not_found_message(
    given: str | os.PathLike[str],
    resolved: Path,
    root: str | os.PathLike[str] | None,
    *,
    source: str = DEFAULT_SOURCE,
) -> str:
    lines = [f"model path not found: {os.fspath(given)!r}", f"  resolved to: {resolved}"]
    given_path = Path(os.path.expanduser(os.fspath(given)))
    if not given_path.is_absolute() and root is not None:
        lines.append(f"  resolved from: {root} (the rootdir; never the current directory)")
        here = Path(os.path.normpath(Path.cwd() / given_path))
        if here != resolved and here.exists():
            # A path typed relative to where pytest was started (tab completion from tests/).
            lines.append(f"  from the current directory it would be: {here}, which exists")
            try:
                hint = repr(os.path.relpath(here, root))
            except ValueError:  # another drive on Windows
                hint = "a path relative to the rootdir"
            lines.append(
                f"  fix: write it relative to the rootdir ({hint}) or absolute, in {source}"
            )
            return "\n".join(lines)
    elif not given_path.is_absolute():
        lines.append(f"  resolved from: {os.getcwd()} (the current directory)")
    lines.extend(near_miss_lines(resolved))
    lines.append(f"  fix: pass an existing file or directory ({source})")
    return "\n".join(lines)


def near_miss_lines(resolved: Path) -> list[str]:
    """Name the nearest existing ancestor and the entries in it that look like the missing part."""
    missing = resolved
    parent = resolved.parent
    while not parent.is_dir() and parent != parent.parent:
        missing, parent = parent, parent.parent
    try:
        entries = sorted(os.listdir(parent))
    except OSError:
        return []
    lines = [f"  directory does not exist: {missing}"] if missing != resolved else []
    close = difflib.get_close_matches(missing.name, entries, n=3, cutoff=0.6)
    if close:
        lines.append(f"  in {parent}: did you mean {', '.join(repr(c) for c in close)}?")
    elif entries:
        lines.append(f"  {parent} holds: {', '.join(cut_list(entries, 8))}")
    else:
        lines.append(f"  {parent} is empty")
    return lines
