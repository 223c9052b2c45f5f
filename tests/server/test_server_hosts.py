"""While a fake server runs, in-process requests to other hosts are refused before a byte leaves.

A real listener on another loopback port stands in for "the network": it must receive
nothing, on both HTTP stacks (httpx; httpx2 under the openai SDK 3.x), unless allowed.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest

from pytest_autoglm.server import FakeServer, ServerConfigError
from pytest_autoglm.server._hosts import BlockedRequestError


class Listener:
    """A TCP listener on a free loopback port that counts connections and keeps what arrives."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(2)
                try:
                    data = conn.recv(65536)
                    self.received.append(data)
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}"
                    )
                except OSError:
                    pass

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.sock.close()
        self._thread.join(timeout=5)


@pytest.fixture
def listener() -> Iterator[Listener]:
    it = Listener()
    yield it
    it.close()


SECRET = "sk-real-key-1234567890abcdef"


def _httpx_post(url: str) -> None:
    import httpx

    httpx.post(url, json={"x": 1}, headers={"authorization": f"Bearer {SECRET}"}, timeout=5)


def _openai_post(url: str) -> None:
    import openai

    with openai.OpenAI(base_url=url, api_key=SECRET, max_retries=0) as client:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])


@pytest.mark.parametrize("stack", ["httpx", "openai-httpx2"])
def test_other_hosts_are_refused_and_receive_nothing(listener: Listener, stack: str) -> None:
    import openai

    url = f"http://127.0.0.1:{listener.port}/v1"
    with FakeServer(export_env=False) as fake:
        if stack == "httpx":
            with pytest.raises(BlockedRequestError) as info:
                _httpx_post(f"{url}/chat/completions")
            err: BaseException | None = info.value
        else:  # openai 3.x lets it through as is; 2.x wraps it in APIConnectionError
            with pytest.raises((BlockedRequestError, openai.APIConnectionError)) as either:
                _openai_post(url)
            err = either.value
            if isinstance(err, openai.APIConnectionError):
                err = err.__cause__
        assert isinstance(err, BlockedRequestError)
        text = str(err)
        assert f"http://127.0.0.1:{listener.port}/v1/chat/completions" in text
        assert "http://localhost:8000/v1" in text  # the fake's URL
        assert f"allow_hosts=['127.0.0.1:{listener.port}']" in text
        assert f"--autoglm-server-allow-hosts=127.0.0.1:{listener.port}" in text
        assert SECRET not in text
        problems = "\n".join(fake.problems())
    assert listener.connections == 0
    assert listener.received == []
    assert "1 request(s) to other hosts were refused" in problems
    assert f"127.0.0.1:{listener.port}/v1/chat/completions" in problems


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "LocalHost"])
@pytest.mark.parametrize("post", ["httpx", "httpx2"])
def test_loopback_names_at_the_fakes_port_are_the_fake(host: str, post: str) -> None:
    # httpx2 comes with openai 3.x only; the compat stack (openai 2.x) has plain httpx.
    client = pytest.importorskip(post)
    with FakeServer(export_env=False) as fake:
        fake.reply("ok")
        body = {"model": fake.model, "messages": [{"role": "user", "content": "hi"}]}
        answer = client.post(f"http://{host}:8000/v1/chat/completions", json=body, timeout=5)
        assert answer.json()["choices"][0]["message"]["content"] == "ok"
    fake.verify()


def test_allow_hosts_lets_a_host_through(listener: Listener) -> None:
    import httpx

    with FakeServer(export_env=False, allow_hosts=[f"127.0.0.1:{listener.port}"]) as fake:
        assert httpx.get(f"http://127.0.0.1:{listener.port}/x", timeout=5).status_code == 200
        with pytest.raises(BlockedRequestError):  # another port of the same host is not allowed
            httpx.get(f"http://127.0.0.1:{listener.port + 1 if listener.port < 65535 else 1}/")
    assert listener.connections == 1
    assert len(fake.blocked) == 1
    assert f":{listener.port}/x" not in fake.blocked[0]


def test_a_test_that_swallows_the_error_still_fails(pytester: pytest.Pytester) -> None:
    listener = Listener()
    try:
        pytester.makepyfile(f"""
import httpx, pytest

def test_swallowed(autoglm_server):
    try:
        httpx.post("http://127.0.0.1:{listener.port}/api/paas/v4/chat/completions",
                   headers={{"authorization": "Bearer {SECRET}"}})
    except Exception:
        pass  # an agent loop that logs and carries on

@pytest.mark.autoglm_server(allow_hosts=["127.0.0.1:{listener.port}"])
def test_marker_allows(autoglm_server):
    assert httpx.get("http://127.0.0.1:{listener.port}/").status_code == 200

def test_option_allows(autoglm_server):
    assert httpx.get("http://127.0.0.1:{listener.port}/").status_code == 200
""")
        result = pytester.runpytest("-p", "no:randomly", "-k", "not option")
        result.assert_outcomes(passed=2, errors=1)
        result.stdout.fnmatch_lines([
            "*1 request(s) to other hosts were refused, nothing was sent*",
            f"*http://127.0.0.1:{listener.port}/api/paas/v4/chat/completions*",
        ])  # fmt: skip
        assert SECRET not in result.stdout.str()
        assert listener.connections == 1  # only the allowed test's request
        option = f"--autoglm-server-allow-hosts=example.com,127.0.0.1:{listener.port}"
        pytester.runpytest("-p", "no:randomly", "-k", "option", option).assert_outcomes(passed=1)
        assert listener.connections == 2
        bad = pytester.runpytest("--autoglm-server-allow-hosts=http://x/y")
        bad.stderr.fnmatch_lines(["*--autoglm-server-allow-hosts: invalid value 'http://x/y'*"])
    finally:
        listener.close()


def test_a_users_own_respx_mock_decides_for_itself() -> None:
    import httpx
    import respx

    with FakeServer(export_env=False), respx.mock(assert_all_called=False) as mock:
        mock.get("https://api.example.com/ping").respond(204)
        assert httpx.get("https://api.example.com/ping").status_code == 204


def test_http_transport_names_the_fixed_url_that_nothing_serves() -> None:
    import httpx

    with FakeServer(transport="http", export_env=False) as fake:
        with pytest.raises(BlockedRequestError) as info:
            httpx.get("http://localhost:8000/v1/models")
        assert "nothing serves http://localhost:8000/v1/models (a fixed URL?)" in str(info.value)
        assert fake.base_url in str(info.value)
        assert httpx.get(fake.base_url + "/models").status_code == 200


def test_http_transport_keeps_an_explicit_base_url() -> None:
    import httpx

    with FakeServer(transport="http", base_url="http://localhost:0/api/v9", export_env=False) as f:
        assert f.base_url.startswith("http://localhost:")
        assert f.base_url.endswith("/api/v9")
        assert not f.base_url.startswith("http://localhost:0/")
        assert httpx.get(f.base_url + "/models").status_code == 200
        port = f.base_url.split(":")[2].split("/")[0]
        with pytest.raises(ServerConfigError, match=f"cannot serve .*port {port}"):
            FakeServer(transport="http", base_url=f"http://127.0.0.1:{port}/v1").start()
    with pytest.raises(ServerConfigError, match="cannot be served by transport='http'"):
        FakeServer(transport="http", base_url="https://open.bigmodel.cn/api/paas/v4")
