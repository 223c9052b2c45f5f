"""Shared screens for the fake phone's tests."""

from __future__ import annotations

import pytest

from pytest_autoglm.phone import FakePhone


@pytest.fixture
def wechat(autoglm_phone: FakePhone) -> FakePhone:
    """WeChat installed; its search button (top right, 0-999 box) opens the search page."""
    autoglm_phone.screen("wechat", package="com.tencent.mm", activity=".ui.LauncherUI")
    autoglm_phone.on_tap((850, 30, 999, 90), goto="search")
    autoglm_phone.screen("search", package="com.tencent.mm", activity=".plugin.fts.ui.FTSMainUI")
    return autoglm_phone
