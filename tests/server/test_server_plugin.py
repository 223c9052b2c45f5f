"""The ``autoglm_server`` fixture, marker and options, run the way users run them (pytester)."""

from __future__ import annotations

import pytest

CLIENT = """
import os, httpx, pytest

def ask(server, text="hi", **extra):
    body = {"model": server.model, "messages": [{"role": "user", "content": text}], **extra}
    return httpx.post(server.base_url + "/chat/completions", json=body, timeout=5)
"""


def test_fixture_answers_scripted_replies_and_exports_env(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        CLIENT
        + """
def test_reply(autoglm_server):
    autoglm_server.reply('do(action="Back")')
    assert os.environ["PHONE_AGENT_BASE_URL"] == "http://localhost:8000/v1"
    assert os.environ["PHONE_AGENT_MODEL"] == "autoglm-phone-9b"
    assert os.environ["PHONE_AGENT_API_KEY"] == "EMPTY"
    assert ask(autoglm_server).json()["choices"][0]["message"]["content"] == 'do(action="Back")'

def test_env_restored():
    assert "PHONE_AGENT_BASE_URL" not in os.environ
"""
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["autoglm: *fake server respx/vllm*", "*- autoglm -*",
                                 "fake server: 1 request(s) in 1 test(s), 0 answered with a fault or error"])  # fmt: skip


def test_marker_merges_nearest_wins(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
import pytest
pytestmark = pytest.mark.autoglm_server(flavour="sglang", max_images=3)

@pytest.mark.autoglm_server(flavour="BigModel", transport="HTTP")  # any case, as on the CLI
class TestX:
    @pytest.mark.autoglm_server(model="autoglm-phone-9b-multilingual")
    def test_config(self, autoglm_server):
        c = autoglm_server.config
        assert (c.flavour, c.max_images, c.transport, c.model) == (
            "bigmodel", 3, "http", "autoglm-phone-9b-multilingual")
        assert autoglm_server.base_url.startswith("http://127.0.0.1:")
""")
    pytester.runpytest().assert_outcomes(passed=1)


def test_unexpected_request_fails_at_teardown_with_a_diff(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        CLIENT
        + """
def test_wrong_text(autoglm_server):
    autoglm_server.reply("for later", contains="Screen Info")
    response = ask(autoglm_server, "打开微信")
    assert response.status_code == 422
    assert response.headers["x-should-retry"] == "false"
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*UnexpectedRequestsError: fake AutoGLM server: 1 unexpected request(s):*",
        "*nearest is #1 reply('for later') when contains='Screen Info':*",
        "*contains: scripted 'Screen Info', last user text is '打开微信'*",
        "*1 scripted entry was never used*",
    ])  # fmt: skip


def test_unused_reply_fails_unless_optional_or_not_strict(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
import pytest

def test_unused(autoglm_server):
    autoglm_server.reply("never asked")

def test_optional(autoglm_server):
    autoglm_server.reply("never asked", optional=True)

@pytest.mark.autoglm_server(strict=False)
def test_lenient(autoglm_server):
    autoglm_server.reply("never asked")
""")
    result = pytester.runpytest()
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_unused*",
                                 "*#1 reply('never asked')*"])  # fmt: skip


def test_a_failed_test_is_not_also_blamed_for_its_unused_replies(
    pytester: pytest.Pytester,
) -> None:
    """The failure is the news; the later steps' replies are unused because of it.
    Unexpected requests are still reported: they may be why the test failed."""
    pytester.makepyfile(
        CLIENT
        + """
def test_fails_at_step_one(autoglm_server):
    autoglm_server.reply("step 1").reply("step 2")
    assert ask(autoglm_server).status_code == 500

def test_fails_after_an_unexpected_request(autoglm_server):
    autoglm_server.reply("for later", contains="Screen Info")
    assert ask(autoglm_server, "task").status_code == 200
"""
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_fails_after_an_unexpected_request*",
                                 "*1 unexpected request(s):*"])  # fmt: skip
    result.stdout.no_fnmatch_line("*ERROR at teardown of test_fails_at_step_one*")
    assert "never used" not in result.stdout.str()


def test_bad_marker_argument_is_a_collection_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
import pytest

@pytest.mark.autoglm_server(flavor="vllm")
def test_typo(autoglm_server):
    pass

@pytest.mark.autoglm_server(transport="grpc")
def test_value(autoglm_server):
    pass

@pytest.mark.autoglm_server(validate="no")
def test_type(autoglm_server):
    pass

@pytest.mark.autoglm_server(seed=-1, chunk_chars="3")
def test_seed(autoglm_server):
    pass
""")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines([
        "*unknown argument 'flavor' (did you mean 'flavour'?)*",
        "*transport='grpc' is not known; accepted: respx, http*",
        "*test_type: @pytest.mark.autoglm_server: validate='no' must be True or False",
        "*test_seed: @pytest.mark.autoglm_server: chunk_chars='3' must be a number > 0",
    ])  # fmt: skip
    assert result.ret != 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--autoglm-server-transport", "grpc"],
            "ERROR: --autoglm-server-transport: invalid value 'grpc': not a known transport; "
            "accepted: respx, http",
        ),
        (
            ["--autoglm-server-flavour", "tgi"],
            "ERROR: --autoglm-server-flavour: invalid value 'tgi': not a known flavour; "
            "accepted: vllm, sglang, bigmodel, openai",
        ),
        (
            ["--autoglm-server-seed", "-1"],
            "ERROR: --autoglm-server-seed: invalid value '-1': negative; accepted: a whole "
            "number >= 0",
        ),
    ],
)
def test_bad_option_is_a_usage_error(
    pytester: pytest.Pytester, args: list[str], message: str
) -> None:
    """The whole line: it names the option, the value, what is wrong, and says it once."""
    pytester.makepyfile("def test_ok(): pass")
    result = pytester.runpytest(*args)
    result.stderr.fnmatch_lines([message])
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_ini_and_env_choose_the_transport(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini("[pytest]\nautoglm_server_transport = http\n")
    pytester.makepyfile("""
def test_http(autoglm_server):
    assert autoglm_server.config.transport == "http"
""")
    pytester.runpytest().assert_outcomes(passed=1)
    monkeypatch.setenv("AUTOGLM_SERVER_FLAVOUR", "openai")
    pytester.makepyfile("""
def test_flavour(autoglm_server):
    assert autoglm_server.config.flavour == "openai"
""")
    pytester.runpytest().assert_outcomes(passed=1)


def test_openai_client_in_a_subprocess_run(pytester: pytest.Pytester) -> None:
    """Real entry-point loading; the http transport serves the SDK; faults reach it."""
    pytester.makepyfile("""
import openai, pytest

def test_retry(autoglm_server):
    autoglm_server.fail(503, retry_after_ms=10).reply("ok")
    client = openai.OpenAI(base_url=autoglm_server.base_url, api_key=autoglm_server.api_key)
    reply = client.chat.completions.create(model=autoglm_server.model,
                                           messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "ok"
    assert [c.status for c in autoglm_server.calls] == [503, 200]
""")
    result = pytester.runpytest_subprocess("--autoglm-server-transport=http")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["autoglm: *fake server http/vllm*",
                                 "fake server: 2 request(s) in 1 test(s), 1 answered with a fault or error"])  # fmt: skip


def test_virtual_clock_records_the_callers_sleeps_not_the_stdlibs_polling(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile("""
import subprocess, sys, time

def test_shells_out(autoglm_clock):
    for wait in (1.0, 2.0, 4.0):
        # run(timeout=...) polls the child with the stdlib's own time.sleep calls
        subprocess.run([sys.executable, "-c", "import time; time.sleep(0.3)"], timeout=30)
        time.sleep(wait)
    assert autoglm_clock.slept == [1.0, 2.0, 4.0]
""")
    pytester.runpytest_subprocess("-p", "no:randomly").assert_outcomes(passed=1)


def test_virtual_clock_makes_real_backoff_instant(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("""
import time, openai, anyio, pytest

def ask(server, client):
    return client.chat.completions.create(model=server.model, messages=[{"role": "user", "content": "hi"}])

def test_sdk_policy(autoglm_server, autoglm_clock, monkeypatch):
    from pytest_autoglm.server import _clock

    real = []  # every real sleep the clock let through (none may wait: the backoff is virtual)
    monkeypatch.setattr(_clock, "_REAL_SLEEP", real.append)
    autoglm_server.fail(503, times=3).reply("ok")
    client = openai.OpenAI(base_url=autoglm_server.base_url, api_key="EMPTY", max_retries=3)
    assert ask(autoglm_server, client).choices[0].message.content == "ok"
    assert len(autoglm_clock.slept) == 3
    assert sum(autoglm_clock.slept) > 1.0  # about 2.6 s of backoff asked for ...
    assert set(real) <= {0}  # ... and none of it waited
    autoglm_server.calls.assert_backoff(policy="openai", max_retries=3)

def test_retry_after_is_exact(autoglm_server, autoglm_clock):
    autoglm_server.fail(429, retry_after=30).reply("ok")

    async def run():
        async with openai.AsyncOpenAI(base_url=autoglm_server.base_url, api_key="EMPTY") as c:
            return await c.chat.completions.create(model=autoglm_server.model,
                                                   messages=[{"role": "user", "content": "hi"}])
    started = time.monotonic()
    anyio.run(run)
    real_elapsed = time.monotonic() - started  # however slow the machine: bounds the gap
    assert autoglm_clock.slept == [30.0]
    # The clock is virtual on top of real time: the gap is 30 s plus the real time the run took.
    assert 30.0 <= autoglm_server.calls.gaps()[0] <= 30.0 + real_elapsed

def test_sleep_is_restored():
    assert time.sleep.__module__ == "time"
""")
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


def test_xdist_workers_serve_on_their_own_ports_and_the_summary_adds_up(
    pytester: pytest.Pytester,
) -> None:
    """Each worker's http fakes take free ports (no clash); the controller sums their counts."""
    pytester.makepyfile(
        CLIENT
        + """
import pytest

@pytest.mark.parametrize("n", range(6))
def test_ask(autoglm_server, n):
    autoglm_server.fail(503).reply(f"ok {n}")
    assert ask(autoglm_server).status_code == 503
    assert ask(autoglm_server).json()["choices"][0]["message"]["content"] == f"ok {n}"
"""
    )
    result = pytester.runpytest_subprocess("-n", "2", "--autoglm-server-transport=http")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(
        ["fake server: 12 request(s) in 6 test(s), 6 answered with a fault or error"]
    )


def test_api_key_from_the_key_fixture(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOGLM_API_KEY", "sk-from-dotenv-0123456789abcdef")
    pytester.makepyfile("""
import os, httpx, pytest

@pytest.mark.autoglm_server(api_key="autoglm_api_key")
def test_key(autoglm_server, autoglm_api_key):
    assert os.environ["PHONE_AGENT_API_KEY"] == autoglm_api_key
    autoglm_server.reply("ok")
    url = autoglm_server.base_url + "/chat/completions"
    body = {"model": autoglm_server.model, "messages": [{"role": "user", "content": "hi"}]}
    assert httpx.post(url, json=body).status_code == 401
    ok = httpx.post(url, json=body, headers={"authorization": f"Bearer {autoglm_api_key}"})
    assert ok.status_code == 200
""")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1)
    assert "sk-from-dotenv" not in result.stdout.str()
