"""The deployment check: pytest's own tests of a live Open-AutoGLM model server.

Run it against your server (vLLM, SGLang or a hosted API)::

    pytest --pyargs pytest_autoglm.conformance --autoglm-base-url http://gpu-box:8000/v1

Each check that fails says what Open-AutoGLM expects, what the server did, and which
server flag fixes it. Checks that need a vision model skip on a text-only one, and checks
that need the AutoGLM-Phone model's own answers skip on other models, each with its reason.
Time to first token and tokens per second are printed at the end.

- ``_client``: the HTTP client (httpx), with stream timing.
- ``_findings``: a finding (expected, what the server did, the fix) and the flags that fix it.
- ``_requests``: the requests phone_agent sends, with screenshots of given sizes.
- ``_checks``: each check as a function of the client; the tests call them.
"""
