"""The project's test suite: httpx2's exception table survives pytester's in-process runs.

httpx2 maps httpcore2's exceptions through a table it fills on first use; an in-process
pytester run that is the first to use httpx2 used to leave that table pointing at classes of
an httpcore2 that was then dropped (tests/conftest.py imports httpcore2 up front).
"""

from __future__ import annotations

import socket

import pytest


def test_a_read_timeout_is_httpx2s_after_an_in_process_run_used_httpx2(
    pytester: pytest.Pytester,
) -> None:
    httpx2 = pytest.importorskip("httpx2")
    pytester.makepyfile(
        "import httpx2, pytest\n"
        "def test_refused():\n"
        "    with pytest.raises(httpx2.ConnectError):\n"
        "        httpx2.get('http://127.0.0.1:9/')\n"
    )
    pytester.runpytest_inprocess().assert_outcomes(passed=1)
    with socket.socket() as listener:  # accepts (the kernel's backlog), never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        with pytest.raises(httpx2.ReadTimeout):
            httpx2.get(url, timeout=httpx2.Timeout(5, read=0.2))
