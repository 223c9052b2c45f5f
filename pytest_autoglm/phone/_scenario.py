"""Scenario files: the screens of a fake phone in YAML or JSON.

Shape (every key but ``screens`` optional)::

    start: home                 # the screen shown first
    screens:
      home:
        taps:
          - {region: [100, 800, 300, 900], goto: wechat}
      wechat:
        package: com.tencent.mm
        activity: .ui.LauncherUI
        image: wechat.png       # a PNG, relative to this file; drawn by the kit if absent
        secure: false
        taps:
          - {region: [900, 40, 990, 110], goto: search}
        keys: {back: home}
        swipes: {up: wechat}
      search: {package: com.tencent.mm, activity: .plugin.fts.ui.FTSMainUI}
    packages: [com.tencent.mm]  # also installed, with no screen of their own

YAML needs PyYAML (the ``[yaml]`` extra: ``pip install 'pytest-autoglm[yaml]'``); JSON needs nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_autoglm.phone._errors import ScenarioError

if TYPE_CHECKING:
    from pytest_autoglm.phone._phone import FakePhone

_SCREEN_KEYS = {"package", "activity", "image", "secure", "colour", "taps", "keys", "swipes"}
_TOP_KEYS = {"start", "screens", "packages"}


def read_scenario(path: Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"scenario {str(path)!r}: cannot read it: {exc.strerror}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml  # type: ignore[import-untyped,unused-ignore]
        except ImportError:
            raise ScenarioError(
                f"scenario {str(path)!r}: YAML needs PyYAML: pip install 'pytest-autoglm[yaml]' "
                "(or write the scenario as JSON)"
            ) from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ScenarioError(f"scenario {str(path)!r}: not valid YAML: {exc}") from None
    elif path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"scenario {str(path)!r}: not valid JSON: {exc}") from None
    else:
        raise ScenarioError(
            f"scenario {str(path)!r}: unknown file type {path.suffix!r}; use .yaml, .yml or .json"
        )
    if not isinstance(data, Mapping):
        raise ScenarioError(f"scenario {str(path)!r}: expected a mapping at the top")
    return data


def _unknown(where: str, keys: Any, allowed: set[str]) -> None:
    import difflib

    for key in keys:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ScenarioError(
                f"{where}: unknown key {key!r}{hint} (known: {', '.join(sorted(allowed))})"
            )


def load_scenario(phone: FakePhone, path: Path) -> None:
    """Add the screens, rules and packages of the scenario file at ``path`` to ``phone``."""
    data = read_scenario(path)
    where = f"scenario {str(path)!r}"
    _unknown(where, data, _TOP_KEYS)
    screens = data.get("screens")
    if not isinstance(screens, Mapping) or not screens:
        raise ScenarioError(f"{where}: 'screens' must map screen names to their settings")
    for name, given in screens.items():
        spec = given or {}
        at = f"{where}, screen {name!r}"
        if not isinstance(spec, Mapping):
            raise ScenarioError(f"{at}: expected a mapping of settings")
        _unknown(at, spec, _SCREEN_KEYS)
        image = spec.get("image")
        colour = spec.get("colour")
        screen = phone.screen(
            str(name),
            package=spec.get("package"),
            activity=spec.get("activity", ".MainActivity"),
            image=(path.parent / str(image)) if image is not None else None,
            colour=tuple(colour) if colour is not None else None,
            secure=bool(spec.get("secure", False)),
        )
        for rule in spec.get("taps") or ():
            if not isinstance(rule, Mapping) or "region" not in rule:
                raise ScenarioError(f"{at}: each tap needs a 'region' (and a 'goto'), got {rule!r}")
            screen.on_tap(rule["region"], rule.get("goto"))
        for key, goto in (spec.get("keys") or {}).items():
            screen.on_key(str(key), goto)
        for direction, goto in (spec.get("swipes") or {}).items():
            try:
                screen.on_swipe(str(direction), goto)
            except ScenarioError as exc:
                raise ScenarioError(f"{at}: {exc}") from None
    for screen in phone.screens.values():  # every goto must name a screen
        for rule in (*screen.taps, *screen.keys, *screen.swipes):
            if isinstance(rule.goto, str) and rule.goto not in phone.screens:
                phone.screen_named(rule.goto)  # raises with "did you mean"
    phone.install(*(str(p) for p in data.get("packages") or ()))
    start = data.get("start")
    if start is not None:
        phone.goto(str(start))
