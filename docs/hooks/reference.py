"""mkdocs hook: builds the reference tables from the code, so the docs cannot drift.

A page containing ``<!-- autoglm:reference -->`` gets every option (flag, ini key,
environment variable), marker and fixture that the plugin registers.
"""

from __future__ import annotations

import inspect
from typing import Any

PLACEHOLDER = "<!-- autoglm:reference -->"


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
