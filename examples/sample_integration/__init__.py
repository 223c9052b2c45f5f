"""A small sample Open-AutoGLM integration, written for the examples of pytest-autoglm.

It does what a typical project built on AutoGLM-Phone-9B does: builds the chat request
for each step (``request_builder``), asks the model through the ``openai`` SDK at
``PHONE_AGENT_BASE_URL`` (``agent``), parses the reply into an action (``parsing``) and
performs it on a phone (``phone``), retrying rate limits and overloads with backoff.
The tests beside this package (``examples/test_*.py``) test it against the fake server.
"""
