"""Example: Open-AutoGLM's own, unmodified ``PhoneAgent`` against the fake server.

Needs the ``phone_agent`` package (``pip install phone-agent``; on Python 3.11 add
``--ignore-requires-python``, its code runs there). The phone is replaced by a small
recording object in place of the adb-backed device factory; the model side is all real:
``openai.OpenAI`` at ``http://localhost:8000/v1`` (Open-AutoGLM's default), streaming,
its marker-buffering printer and its reply parser.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from typing import Any

import pytest
from sample_integration.phone import blank_png

from pytest_autoglm.protocol import Finish, Launch, Tap
from pytest_autoglm.server import FakeServer

phone_agent = pytest.importorskip("phone_agent")


@dataclass
class Screenshot:
    base64_data: str
    width: int
    height: int
    is_sensitive: bool = False


@dataclass
class RecordingDevices:
    """Stands in for phone_agent's DeviceFactory: answers screens, records actions."""

    app: str = "System Home"
    actions: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def get_screenshot(self, device_id: str | None = None, timeout: int = 10) -> Screenshot:
        return Screenshot(base64.b64encode(blank_png(1080, 2400)).decode(), 1080, 2400)

    def get_current_app(self, device_id: str | None = None) -> str:
        return self.app

    def launch_app(
        self, app_name: str, device_id: str | None = None, delay: float | None = None
    ) -> bool:
        self.actions.append(("launch", (app_name,)))
        self.app = app_name
        return True

    def tap(self, x: int, y: int, device_id: str | None = None, delay: float | None = None) -> None:
        self.actions.append(("tap", (x, y)))


@pytest.fixture
def devices(monkeypatch: pytest.MonkeyPatch) -> RecordingDevices:
    fake = RecordingDevices()
    monkeypatch.setattr("phone_agent.device_factory._device_factory", fake)
    return fake


@pytest.mark.autoglm_server(transport="respx")  # only respx answers at the default URL
def test_phone_agent_runs_an_episode(autoglm_server: FakeServer, devices: RecordingDevices,
                                     capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    from phone_agent import PhoneAgent
    from phone_agent.agent import AgentConfig

    autoglm_server.episode([
        ("打开微信", Launch("微信")),
        ("点击搜索", Tap((500, 100))),
        ("完成", Finish("消息已发送")),
    ])  # fmt: skip

    agent = PhoneAgent(agent_config=AgentConfig(max_steps=5))
    assert agent.run("打开微信搜索") == "消息已发送"

    assert devices.actions == [("launch", ("微信",)), ("tap", (540, 240))]
    first = autoglm_server.calls[0].json
    assert (first["model"], first["max_tokens"], first["top_p"], first["stream"]) == (
        "autoglm-phone-9b", 3000, 0.85, True)  # fmt: skip
    assert autoglm_server.calls[0].headers["authorization"] == "Bearer ***"
    assert "打开微信" in capsys.readouterr().out  # its live printer saw the thinking


def test_phone_agent_reports_a_model_error(
    autoglm_server: FakeServer, devices: RecordingDevices
) -> None:
    from phone_agent import PhoneAgent
    from phone_agent.model import ModelConfig

    autoglm_server.fail(503, times=3, retry_after_ms=5)  # the SDK retries twice, then gives up
    # configured as Open-AutoGLM's main.py does, from PHONE_AGENT_* (which the fixture set):
    # so this test passes on either transport (--autoglm-server-transport=http too)
    config = ModelConfig(base_url=os.environ["PHONE_AGENT_BASE_URL"],
                         model_name=os.environ["PHONE_AGENT_MODEL"],
                         api_key=os.environ["PHONE_AGENT_API_KEY"])  # fmt: skip
    result = PhoneAgent(model_config=config).run("task")
    assert result.startswith("Model error: ")
    autoglm_server.calls.assert_called(times=3)
