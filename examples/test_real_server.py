"""The sample integration against a real vLLM: what only a real server lets you test.

Runs when a model server is configured, e.g. ``./dev realserver`` or::

    pytest examples/test_real_server.py --autoglm-model-server=vllm:/path/to/tiny-model

(``pytest_autoglm.write_tiny_model(path)`` writes a servable tiny model; vLLM runs it with
dummy weights). Without one these tests skip, so ``./dev examples`` stays offline.
Dummy weights answer nonsense: the value is in the real server's real refusals and
the integration's handling of them.
"""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from sample_integration.agent import Agent
from sample_integration.parsing import ReplyParseError, parse_reply
from sample_integration.phone import InMemoryPhone

from pytest_autoglm.realserver import ModelServer


@pytest.fixture
def real_agent(autoglm_model_server: ModelServer) -> Iterator[Agent]:
    agent = Agent(phone=InMemoryPhone(), base_url=autoglm_model_server.base_url,
                  model=autoglm_model_server.model, api_key=autoglm_model_server.api_key,
                  timeout=120.0)  # fmt: skip
    yield agent
    agent.close()


def test_parser_refuses_the_real_servers_garbage_cleanly(autoglm_model_server: ModelServer) -> None:
    reply = autoglm_model_server.client.chat.completions.create(
        model=autoglm_model_server.model, max_tokens=20,
        messages=[{"role": "user", "content": "Open WeChat"}],
    )  # fmt: skip
    raw = reply.choices[0].message.content or ""
    with pytest.raises(ReplyParseError):
        parse_reply(raw)


def test_agent_sends_max_tokens_the_server_refuses_and_does_not_retry(real_agent: Agent) -> None:
    # Open-AutoGLM's max_tokens=3000 does not fit a server started with a short context:
    # vLLM 0.32 answers 400 (parameter max_tokens); the agent must surface it, not retry it.
    with pytest.raises(openai.BadRequestError) as caught:
        real_agent.ask([{"role": "user", "content": "Hi"}])
    assert isinstance(caught.value.body, dict)
    assert caught.value.body.get("param") == "max_tokens"
