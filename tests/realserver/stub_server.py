"""A stand-in model server for the fixture's own tests: stdlib only, vLLM's routes and flags.

``python stub_server.py --host H --port P [--crash N] [--delay S]`` serves ``/health``,
``/v1/models`` and a streamed ``/v1/chat/completions``; it logs like a server does,
appends its pid to ``$STUB_PIDS`` and exits with code N at once with ``--crash N``.
"""

import argparse
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _send(self, status, body, kind="application/json"):
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/health":
            self._send(200, b"")
        elif self.path == "/v1/models":
            self._send(200, json.dumps({"object": "list", "data": [{"id": "stub-model"}]}).encode())
        else:
            self._send(404, b'{"detail":"Not Found"}')

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        chunk = {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "stub-model",
            "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}],
        }
        body = b"data: " + json.dumps(chunk).encode() + b"\n\ndata: [DONE]\n\n"
        self._send(200, body, "text/event-stream")

    def log_message(self, format, *args):
        print("INFO:", format % args, flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--crash", type=int)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    if os.environ.get("STUB_PIDS"):
        with open(os.environ["STUB_PIDS"], "a") as pids:
            pids.write(f"{os.getpid()}\n")
    print("INFO: loading the stub model", flush=True)
    if args.crash is not None:
        print("ERROR: cannot load the model: stub failure", flush=True)
        sys.exit(args.crash)
    time.sleep(args.delay)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    print("INFO: Application startup complete.", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
