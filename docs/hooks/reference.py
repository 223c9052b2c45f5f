"""The reference tables, generated from the code INTO ``docs/reference.md`` (and an mkdocs hook).

``docs/reference.md`` holds every option (flag, ini key, environment variable), marker and
fixture the plugin registers, between ``<!-- autoglm:reference:start -->`` and
``<!-- autoglm:reference:end -->``, so readers on a code host see them too.

    python docs/hooks/reference.py          # regenerate (``./dev docs`` does it first)
    python docs/hooks/reference.py --check  # fail when the file is stale (``./dev lint``, CI)

After adding an option, marker or fixture (or after a rebase that brought someone else's),
run ``./dev docs`` and commit ``docs/reference.md``. A page with the older single
``<!-- autoglm:reference -->`` placeholder still gets the tables at build time.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any

PLACEHOLDER = "<!-- autoglm:reference -->"
START = "<!-- autoglm:reference:start -->"
END = "<!-- autoglm:reference:end -->"
PAGE = Path(__file__).resolve().parents[1] / "reference.md"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _options_table() -> list[str]:
    from pytest_autoglm._features import all_options

    rows = [
        "| flag | ini key | environment variable | default | accepted | what it does |",
        "|---|---|---|---|---|---|",
    ]
    for option in all_options():
        flag = (
            option.flag if option.kind != "value" else f"{option.flag}={option.metavar or 'VALUE'}"
        )
        if option.kind == "list":
            flag += " (repeatable)"
        rows.append(
            f"| `{flag}` | `{option.ini}` | `{option.env}` | `{option.default!r}` "
            f"| {_cell(option.accepted) or '—'} | {_cell(option.help)} |"
        )
    return rows


def _markers_table() -> list[str]:
    from pytest_autoglm._features import all_markers

    rows = ["| marker | what it does |", "|---|---|"]
    for spec in all_markers():
        rows.append(f"| `@pytest.mark.{spec.name}({_cell(spec.signature)})` | {_cell(spec.doc)} |")
    return rows


def _fixtures_table() -> list[str]:
    from _pytest.fixtures import FixtureFunctionDefinition

    from pytest_autoglm._features import FEATURES, feature_modules

    rows = ["| fixture | scope | capability | what it gives |", "|---|---|---|---|"]
    for feature, module in zip(FEATURES, feature_modules(), strict=True):
        for name, obj in sorted(vars(module).items()):
            if not isinstance(obj, FixtureFunctionDefinition) or name.startswith("_"):
                continue
            marker: Any = obj._fixture_function_marker
            doc = inspect.cleandoc(obj.__doc__ or "").split("\n\n")[0]
            rows.append(f"| `{marker.name or name}` | {marker.scope} | {feature} | {_cell(doc)} |")
    return rows


def reference_markdown() -> str:
    parts = [
        "## Options",
        "",
        "Every option has a flag, an ini key and an environment variable. Precedence: "
        "command line, then environment, then ini, then default.",
        "",
        *_options_table(),
        "",
        "## Markers",
        "",
        *_markers_table(),
        "",
        "## Fixtures",
        "",
        *_fixtures_table(),
        "",
    ]
    return "\n".join(parts)


def on_page_markdown(markdown: str, **_: Any) -> str:
    if PLACEHOLDER in markdown:
        return markdown.replace(PLACEHOLDER, reference_markdown())
    return markdown


def regenerated(text: str) -> str:
    """``text`` with the tables between START and END replaced by the current ones."""
    if START not in text or END not in text:
        raise SystemExit(f"{PAGE}: no {START} ... {END} block to fill")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n\n{reference_markdown()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    text = PAGE.read_text("utf-8")
    fresh = regenerated(text)
    if "--check" in argv:
        if fresh != text:
            print(f"{PAGE} is stale: the options, markers or fixtures changed; run ./dev docs "
                  "(or python docs/hooks/reference.py) and commit it", file=sys.stderr)  # fmt: skip
            return 1
        return 0
    if fresh != text:
        PAGE.write_text(fresh, "utf-8")
        print(f"regenerated {PAGE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
