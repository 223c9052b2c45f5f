"""Where a leak check's verdict goes: names the plugin reads without loading the checker."""

from __future__ import annotations

import pytest

#: The junit property (and report user property) carrying each checked test's verdict.
VERDICT_PROPERTY = "autoglm_leak_check"
#: The report section with every source's trend.
SECTION = "autoglm leaks"
TABLE_KEY = pytest.StashKey[str]()
