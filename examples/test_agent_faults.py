"""Example: the agent under the faults real deployments produce."""

from __future__ import annotations

import time

import pytest
from sample_integration.agent import Agent, ModelUnavailable
from sample_integration.phone import InMemoryPhone

from pytest_autoglm import FakeServer, VirtualClock
from pytest_autoglm.protocol import Finish


def test_rate_limit_then_success(
    autoglm_server: FakeServer, autoglm_clock: VirtualClock, agent: Agent
) -> None:
    autoglm_server.fail(429, times=2)
    autoglm_server.reply(Finish("ok"))
    assert agent.run("task") == "ok"
    assert [c.status for c in autoglm_server.calls] == [429, 429, 200]
    # On the virtual clock the waits the agent asked for are exact, however busy the machine.
    assert autoglm_clock.slept == [agent.retry.initial, agent.retry.initial * 2]


def test_retry_after_header_is_honoured(autoglm_server: FakeServer, agent: Agent) -> None:
    autoglm_server.fail(503, retry_after=0.3)
    autoglm_server.reply(Finish("ok"))
    assert agent.run("task") == "ok"
    assert autoglm_server.calls.gaps()[0] >= 0.29


def test_gives_up_after_three_retries(
    autoglm_server: FakeServer, autoglm_clock: VirtualClock, agent: Agent
) -> None:
    autoglm_server.fail(503, times=4)
    with pytest.raises(ModelUnavailable, match="after 3 retries"):
        agent.run("task")
    assert autoglm_clock.slept == [agent.retry.initial * 2**n for n in range(3)]
    autoglm_server.calls.assert_called(times=4)


@pytest.mark.autoglm_server(flavour="bigmodel")
def test_bigmodel_concurrency_limit(autoglm_server: FakeServer, agent: Agent) -> None:
    autoglm_server.fail(429, code="1302")
    autoglm_server.reply(Finish("ok"))
    assert agent.run("task") == "ok"
    assert autoglm_server.calls[0].status == 429


@pytest.mark.autoglm_server(flavour="vllm")  # SGLang does not check the model name
def test_bad_request_is_not_retried(autoglm_server: FakeServer, agent: Agent) -> None:
    import openai

    agent.model = "autoglm-phone-9b-typo"
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        agent.run("task")
    autoglm_server.calls.assert_called(times=1)


def test_stalled_server_times_out_and_retries(autoglm_server: FakeServer, agent: Agent) -> None:
    import openai

    # a short read timeout for the stall; connecting gets longer, so a busy machine still connects
    agent._client = agent._client.with_options(timeout=openai.Timeout(30.0, read=0.2))
    autoglm_server.stall(30)
    autoglm_server.reply(Finish("ok"))
    assert agent.run("task") == "ok"
    assert autoglm_server.calls[0].status is None  # no answer: the client gave up


def test_connection_reset_is_retried(autoglm_server: FakeServer, agent: Agent) -> None:
    autoglm_server.reset()
    autoglm_server.reply(Finish("ok"))
    assert agent.run("task") == "ok"


def test_stream_ended_early_gives_a_truncated_reply(
    autoglm_server: FakeServer, agent: Agent
) -> None:
    """A stream that ends cleanly without [DONE] is no error for the SDK: the agent sees half a reply."""
    autoglm_server.reply(Finish("all done"), thinking="finishing")
    autoglm_server.cut_stream(after=4, clean=True)
    assert agent.run("task").startswith("stopped:")


def test_dropped_stream_is_retried(autoglm_server: FakeServer, agent: Agent) -> None:
    """A connection dropped mid-stream is a connection error: the agent asks again."""
    autoglm_server.reply(Finish("first try"))
    autoglm_server.cut_stream(after=2)
    autoglm_server.reply(Finish("second try"))
    assert agent.run("task") == "second try"


def test_error_event_inside_the_stream(autoglm_server: FakeServer, agent: Agent) -> None:
    import openai

    autoglm_server.reply(Finish("never"))
    autoglm_server.error_event("CUDA out of memory", after=2)
    with pytest.raises(openai.APIError, match="CUDA out of memory"):
        agent.run("task")


def test_slow_first_token_within_the_timeout(autoglm_server: FakeServer, agent: Agent) -> None:
    autoglm_server.slow(ttft=0.3, inter_chunk=0.01)
    autoglm_server.reply(Finish("ok"))
    assert agent.run("task") == "ok"


@pytest.mark.autoglm_server(flavour="vllm")  # the text below is vLLM's, whatever the session's
def test_overlong_history_is_rejected_like_vllm(autoglm_server: FakeServer, agent: Agent) -> None:
    import openai

    with pytest.raises(openai.BadRequestError, match="maximum context length is 25480 tokens"):
        agent.ask([{"role": "user", "content": "long " * 30000}])


def test_the_real_policy_on_a_virtual_clock(
    autoglm_server: FakeServer, autoglm_clock: VirtualClock, phone: InMemoryPhone
) -> None:
    """With ``autoglm_clock`` the agent's real 1 s, 2 s, 4 s backoff runs without waiting."""
    autoglm_server.fail(503, times=3)
    autoglm_server.reply(Finish("ok"))
    agent = Agent(phone=phone)  # the production policy: 1 s, doubling, 3 retries
    started = time.monotonic()
    try:
        assert agent.run("task") == "ok"
    finally:
        agent.close()
    assert autoglm_clock.slept == [1.0, 2.0, 4.0]
    # The server's clock is the virtual one on top of real time: each gap is the wait plus the
    # real time between the calls, which the whole run's real time bounds on any machine.
    real = time.monotonic() - started
    autoglm_server.calls.assert_backoff(initial=1.0, factor=2.0, max_retries=3, slack=real)
