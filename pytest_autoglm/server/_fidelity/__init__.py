"""Fidelity of the fake server: a probe corpus, goldens recorded from a real vLLM, a differential run.

``./dev fidelity --record`` sends every probe to a real vLLM and writes the goldens;
``./dev fidelity`` sends them to both the real server and the fake and fails on any
disagreement; the normal suite checks the fake against the goldens (no vLLM needed).
"""
